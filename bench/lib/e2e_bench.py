#!/usr/bin/env python3
"""End-to-end SIP benchmark of sipstream with SIPp (see bench/README.md).

Starts `sipstream local` on free ports with a temporary data dir, provisions a trunk, accounts,
passwords, numbers, a rate deck and credits through the REST API, runs SIPp as the trunk (UAS)
and as the callers (UAC with digest auth), and reports set-up latencies, the highest call rate
held with no failed call, CPU and memory of the stack, and billing against what SIPp did, side by
side with SIPp calling SIPp directly. Only the Python standard library is used.
"""
import argparse
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

import threadcpu  # bench/lib, beside this file

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
ROOT = os.path.dirname(BENCH)
SCENARIOS = os.path.join(BENCH, "scenarios")
LAUNCHER = os.path.join(ROOT, "bin", "sipstream")
CLK_TCK = os.sysconf("SC_CLK_TCK")
# SIPp's sockets get the buffers the edge asks for (edge.sip.udp.receive.buffer): with SIPp's 64 KiB
# default a pause of the stack under test, then its burst of responses, overflowed SIPp's own socket
SIPP_BUFFERS = ["-buff_size", str(4 << 20)]
PAGE = os.sysconf("SC_PAGE_SIZE")
# --media anchor: the media ports of the harness's rtpengine (4 a call: RTP and RTCP on each leg)
RTP_PORTS = 6000


def log(msg):
    print(time.strftime("%H:%M:%S ") + msg, flush=True)


def free_port(kind=socket.SOCK_STREAM, both=False):
    """A port free on 127.0.0.1 for TCP (and UDP when both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if both:
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                    u.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port")


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    k = (len(sorted_values) - 1) * p / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def summary(values, digits=3):
    v = sorted(values)
    if not v:
        return {"n": 0}
    r = lambda x: round(x, digits)
    return {"n": len(v), "p50": r(percentile(v, 50)), "p95": r(percentile(v, 95)), "p99": r(percentile(v, 99)),
            "max": r(v[-1]), "mean": r(sum(v) / len(v))}


# ---------------------------------------------------------------- processes and /proc


def children_of(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            if ppid == pid:
                kids.append(int(entry))
        except (OSError, ValueError):
            pass
    return kids


def proc_ticks(pid):
    """utime + stime of a process, in clock ticks, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        fields = stat[stat.rindex(")") + 2:].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        return None


def udp_rcvbuf_errors():
    """Datagrams the kernel dropped because a UDP socket's receive queue was full (all sockets: SIPp's too)."""
    try:
        with open("/proc/net/snmp") as f:
            rows = [line.split() for line in f if line.startswith("Udp:")]
        return int(rows[1][rows[0].index("RcvbufErrors")])
    except (OSError, ValueError, IndexError):
        return None


def proc_rss(pid):
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, ValueError, IndexError):
        return None


class Sampler(threading.Thread):
    """Samples CPU ticks and RSS of named process groups once a second."""

    def __init__(self):
        super().__init__(daemon=True)
        self.groups = {}  # name -> callable returning pids
        self.samples = []  # (t, {name: (ticks, rss)})
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    def watch(self, name, pids_fn):
        with self.lock:
            self.groups[name] = pids_fn

    def snapshot(self):
        out = {}
        with self.lock:
            groups = dict(self.groups)
        for name, fn in groups.items():
            ticks, rss = 0, 0
            for pid in fn():
                t, r = proc_ticks(pid), proc_rss(pid)
                ticks += t or 0
                rss += r or 0
            out[name] = (ticks, rss)
        return out

    def run(self):
        while not self.stopped.is_set():
            snap = self.snapshot()
            with self.lock:
                self.samples.append((time.time(), snap))
            self.stopped.wait(1.0)

    def window(self, t0, t1):
        """CPU (% of one core, averaged) and RSS (max, last) per group between t0 and t1."""
        with self.lock:
            inside = [s for s in self.samples if t0 <= s[0] <= t1]
        if len(inside) < 2:
            return {}
        out = {}
        for name in inside[-1][1]:
            # a process that ends inside the window (a SIPp run) reads 0 after it: stop at its last sample
            alive = [s for s in inside if name in s[1] and s[1][name][1] > 0]
            if len(alive) < 2:
                continue
            first, last = alive[0], alive[-1]
            dt = last[0] - first[0]
            dticks = last[1][name][0] - first[1][name][0]
            rss = [s[1][name][1] for s in alive]
            out[name] = {"cpu_percent_of_one_core": round(100.0 * dticks / CLK_TCK / dt, 1) if dt > 0 else None,
                         "rss_max_mib": round(max(rss) / 2**20, 1), "rss_last_mib": round(rss[-1] / 2**20, 1)}
        return out

    def series(self, name, t0, t1):
        with self.lock:
            return [(s[0], s[1][name][1]) for s in self.samples if t0 <= s[0] <= t1 and name in s[1]]


# ---------------------------------------------------------------- the stack and its REST API


class Api:
    def __init__(self, base, key):
        self.base, self.key = base, key

    def call(self, method, path, body=None, content_type="application/json", ok=(200, 201, 202, 204), tries=20):
        data = None
        if body is not None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        last = None
        for attempt in range(tries):
            req = urllib.request.Request(self.base + path, data=data, method=method)
            req.add_header("Authorization", "Bearer " + self.key)
            if data is not None:
                req.add_header("Content-Type", content_type)
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    text = resp.read().decode()
                    if resp.status in ok:
                        return json.loads(text) if text.strip().startswith(("{", "[")) else text
                    last = f"{resp.status} {text}"
            except urllib.error.HTTPError as e:
                text = e.read().decode(errors="replace")
                last = f"{e.code} {text}"
                if e.code < 500 and e.code != 409 and e.code != 429:
                    break
            except (urllib.error.URLError, OSError) as e:
                last = str(e)
            time.sleep(min(0.2 * (attempt + 1), 2))
        raise RuntimeError(f"{method} {path} failed: {last}")

    def get(self, path):
        return self.call("GET", path)


class Stack:
    """`sipstream local` on free ports; with --split, `sipstream stack` (Kafka, Schema Registry, Redis)
    in one JVM and `sipstream local --kafka ... --schema-registry ... --redis ...` (every service) in
    another, so that the infrastructure can be stopped and started again under load."""

    def __init__(self, args, workdir):
        self.args = args
        self.workdir = workdir
        self.split = bool(getattr(args, "split", False))
        self.jar = os.path.abspath(args.jar)  # the JVMs run in the work dir
        self.sip_port = args.sip_port or free_port(both=True)
        self.http_port = args.http_port or free_port()
        self.data_dir = os.path.join(workdir, "data")
        self.log_path = os.path.join(workdir, "sipstream.log")
        self.proc = None
        self.infra = None  # the `sipstream stack` process (--split)
        self.infra_log_path = os.path.join(workdir, "stack.log")
        self.infra_starts = 0
        if self.split:
            self.kafka_port, self.controller_port = free_port(), free_port()
            self.registry_port, self.redis_port = free_port(), free_port()
        self.extra = []  # processes started beside the JVM (a restarted Redis, the bench's rtpengine), stopped with it
        self.rtpengine_ng = None  # --media anchor: the ng address of the rtpengine the harness started
        self.api = Api(f"http://127.0.0.1:{self.http_port}", args.api_key)

    def env(self):
        env = dict(os.environ)
        # The edge's defaults protect a public SIP port (50 requests/s per source IP, 10,000 open
        # transactions); every SIPp caller here shares 127.0.0.1, so lift them for the benchmark.
        env.setdefault("SIPSTREAM_EDGE_RATELIMIT_PER_SECOND", "1000000")
        env.setdefault("SIPSTREAM_EDGE_AUTH_BAN_AFTER", "1000000")
        env.setdefault("SIPSTREAM_EDGE_SIP_MAX_SERVER_TRANSACTIONS", "500000")
        env.setdefault("SIPSTREAM_EDGE_SIP_MAX_CLIENT_TRANSACTIONS", "500000")
        # SIPp answers only the first challenge of a 401 and knows only MD5 digests
        env.setdefault("SIPSTREAM_EDGE_AUTH_ALGORITHMS", "MD5")
        env["SIPSTREAM_JAR"] = self.jar
        if self.rtpengine_ng:
            env["SIPSTREAM_EDGE_MEDIA_RTPENGINE"] = self.rtpengine_ng
        if self.args.java_opts:
            env["SIPSTREAM_JAVA_OPTS"] = self.args.java_opts
        return env

    @staticmethod
    def java():
        return os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java"

    def endpoints(self):
        """--split: where `sipstream stack` listens (fixed ports, the same after every restart)."""
        return {"kafka": f"127.0.0.1:{self.kafka_port}", "registry": f"http://127.0.0.1:{self.registry_port}",
                "redis": f"redis://127.0.0.1:{self.redis_port}"}

    def start_infra(self):
        """--split: starts `sipstream stack` on its fixed ports and data dir; returns the seconds it took."""
        cmd = [self.java()] + self.args.stack_java_opts.split() + [
            "-jar", self.jar, "stack", "--data-dir", self.data_dir, "--kafka-port", str(self.kafka_port),
            "--controller-port", str(self.controller_port), "--schema-registry-port", str(self.registry_port),
            "--redis-port", str(self.redis_port)]
        self.infra_starts += 1
        if self.infra_starts == 1:
            log("starting: " + " ".join(cmd))
        with open(self.infra_log_path, "a") as f:
            f.write(f"\n==== start {self.infra_starts} at {time.strftime('%H:%M:%S')}\n")
            offset = f.tell()
        logf = open(self.infra_log_path, "a")
        # its own session: a SIGKILL of the group takes its Redis child with it, as a crash of the host would
        self.infra = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, cwd=self.workdir,
                                      env=self.env(), start_new_session=True)
        t0 = time.time()
        while time.time() - t0 < self.args.start_timeout:
            if self.infra.poll() is not None:
                raise RuntimeError(f"sipstream stack exited with {self.infra.returncode}; see {self.infra_log_path}")
            with open(self.infra_log_path) as f:
                f.seek(offset)
                if "sipstream stack is running" in f.read():
                    return time.time() - t0
            time.sleep(0.2)
        raise RuntimeError(f"sipstream stack not up after {self.args.start_timeout} s; see {self.infra_log_path}")

    def stop_infra(self, sig=signal.SIGTERM, timeout=90):
        """--split: SIGTERM (the stack stops Kafka, the registry and Redis cleanly) or SIGKILL of its whole
        process group (the JVM and its Redis child at once); returns once every one of them is gone."""
        redis = [p for p in self.extra if p.poll() is None and self.is_redis(p.pid)]
        if sig == signal.SIGKILL:
            try:
                os.killpg(self.infra.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        else:
            self.infra.send_signal(sig)
        # a Redis the harness restarted (the Redis fault) belongs to the stack too
        for p in redis:
            p.send_signal(sig)
        try:
            self.infra.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log(f"sipstream stack did not stop in {timeout} s: killing its process group")
            os.killpg(self.infra.pid, signal.SIGKILL)
            self.infra.wait()
        for p in redis:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def start_rtpengine(self):
        """--media anchor: rtpengine for the edge, started by the harness (SIPSTREAM_EDGE_MEDIA_RTPENGINE) rather
        than by `sipstream local`, whose relay has 200 media ports and rtpengine's default 30 s delete delay: a
        call holds its 4 ports 30 s after its BYE, so it runs out of ports past ~50 calls in 30 s (the calls
        then fail 503). Here: RTP_PORTS ports and --delete-delay=0; counted with the stack (self.extra), its CPU
        apart as "rtpengine". Not started when the environment names an rtpengine already, or none is installed
        (the `media relay` check then fails the run)."""
        exe = shutil.which("rtpengine") or ("/usr/bin/rtpengine" if os.access("/usr/bin/rtpengine", os.X_OK) else None)
        if os.environ.get("SIPSTREAM_EDGE_MEDIA_RTPENGINE") or not exe:
            return
        ng = free_port(socket.SOCK_DGRAM)
        port_min = random.randrange(20000, 60000 - RTP_PORTS, 2)
        d = os.path.join(self.workdir, "rtpengine")
        os.makedirs(d, exist_ok=True)
        # --config-file=none: Debian's /etc/rtpengine/rtpengine.conf binds fixed CLI and HTTP ports (2224, 2225), and
        # a second rtpengine on the machine (a stack's, another test's) would then fail to start (RtpEngineServer does the same)
        cmd = [exe, "--config-file=none", "--table=-1", "--interface=127.0.0.1", f"--listen-ng=127.0.0.1:{ng}", f"--port-min={port_min}",
               f"--port-max={port_min + RTP_PORTS - 1}", "--delete-delay=0", "--foreground", "--log-stderr",
               "--log-level=5", "--pidfile=" + os.path.join(d, "rtpengine.pid")]
        log("starting: " + " ".join(cmd))
        proc = subprocess.Popen(cmd, stdout=open(os.path.join(d, "rtpengine.log"), "w"), stderr=subprocess.STDOUT,
                                cwd=d, start_new_session=True)
        self.extra.append(proc)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(0.5)
            for _ in range(40):
                if proc.poll() is not None:
                    break
                try:
                    sock.sendto(b"bench d7:command4:pinge", ("127.0.0.1", ng))
                    if b"pong" in sock.recv(1000):
                        self.rtpengine_ng = f"udp:127.0.0.1:{ng}"
                        return
                except OSError:
                    time.sleep(0.25)
        raise MediaRelayOff(f"rtpengine did not answer an ng ping on 127.0.0.1:{ng}; see {d}/rtpengine.log")

    def start(self):
        if self.args.media == "anchor":
            self.start_rtpengine()
        # the stack runs as a user runs it: through bin/sipstream, with its JVM options unless --java-opts
        cmd = [LAUNCHER, "local",
               "--sip-port", str(self.sip_port), "--http-port", str(self.http_port),
               "--data-dir", self.data_dir, "--api-key", self.args.api_key, "--domain", self.args.domain]
        t0 = time.time()
        if self.split:
            took = self.start_infra()
            log(f"sipstream stack up in {took:.1f} s (kafka {self.kafka_port}, schema registry {self.registry_port}, "
                f"redis {self.redis_port})")
            e = self.endpoints()
            cmd += ["--kafka", e["kafka"], "--schema-registry", e["registry"], "--redis", e["redis"]]
        log("starting: " + " ".join(cmd))
        self.logf = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.logf, stderr=subprocess.STDOUT, cwd=self.workdir,
                                     env=self.env(), start_new_session=True)
        while time.time() - t0 < self.args.start_timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sipstream exited with {self.proc.returncode}; see {self.log_path}")
            if self.healthy():
                self.started_in = time.time() - t0
                log(f"stack healthy in {self.started_in:.1f} s (sip {self.sip_port}, http {self.http_port})")
                return
            time.sleep(0.5)
        raise RuntimeError(f"/healthz not ready after {self.args.start_timeout} s; see {self.log_path}")

    def media_relay(self, timeout=30):
        """What the launcher printed on its `media relay` line ("rtpengine <ng address>, media on ..." or
        "off: <why>"); None when no such line came within `timeout` s of /healthz."""
        t0 = time.time()
        while True:
            try:
                with open(self.log_path, errors="replace") as f:
                    m = re.search(r"^\s*media relay\s+(.*)$", f.read(), re.M)
            except OSError:
                m = None
            if m:
                return m.group(1).strip()
            if time.time() - t0 > timeout or (self.proc and self.proc.poll() is not None):
                return None
            time.sleep(0.5)

    def healthy(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/healthz", timeout=2) as r:
                return r.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def failing_checks(self):
        """The names of the /healthz checks that are down ([] when up, None when nothing answers)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/healthz", timeout=2) as r:
                body = r.read()
        except urllib.error.HTTPError as e:
            body = e.read()
        except (urllib.error.URLError, OSError):
            return None
        try:
            return sorted(k for k, v in json.loads(body).get("checks", {}).items() if not v.get("up"))
        except (ValueError, AttributeError):
            return None

    def jvms(self):
        return [p for p in (self.proc, self.infra) if p and p.poll() is None]

    def pids(self):
        out = []
        for p in self.jvms():
            out += [p.pid] + children_of(p.pid)
        return out + [p.pid for p in self.extra if p.poll() is None]

    def services_pids(self):
        return [self.proc.pid] if self.proc and self.proc.poll() is None else []

    def infra_pids(self):
        """--split: the stack JVM, its Redis child and a Redis the harness restarted."""
        if not self.infra or self.infra.poll() is not None:
            return []
        return [self.infra.pid] + children_of(self.infra.pid) + [
            p.pid for p in self.extra if p.poll() is None and self.is_redis(p.pid)]

    @staticmethod
    def is_redis(pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                return b"redis" in f.read()
        except OSError:
            return False

    def redis_pid(self):
        owners = [p.pid for p in self.jvms()]
        for pid in [k for o in owners for k in children_of(o)] + [p.pid for p in self.extra if p.poll() is None]:
            if self.is_redis(pid):
                return pid
        return None

    def stop(self):
        kids = []
        for proc in (self.proc, self.infra):  # the services first, then what they run on
            if not proc or proc.poll() is not None:
                continue
            kids += children_of(proc.pid)
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=90)
            except subprocess.TimeoutExpired:
                log(f"{'sipstream stack' if proc is self.infra else 'sipstream local'} (pid {proc.pid}) "
                    f"did not stop in 90 s: killing it")
                proc.kill()
                proc.wait()
        for pid in kids:  # Redis, should the JVM not have stopped it
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for proc in self.extra:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()


# ---------------------------------------------------------------- provisioning


def account_id(i):
    return f"bench{i:04d}"


def caller_number(i):
    return f"+1555200{i:04d}"


def dialled_number(i):
    return f"+1555700{i:04d}"


def password(i):
    return f"pw-{i:04d}-bench"


class MediaRelayOff(RuntimeError):
    """--media anchor with no media relay on the stack: the run would measure passthrough."""


def trunk_json(args, port):
    """A bench trunk: SIPp's UAS on 127.0.0.1 over UDP, its media passed end to end or anchored on
    rtpengine (--media; docs/api.md, trunk `media`)."""
    return {"host": "127.0.0.1", "port": port, "transport": "udp", "media": args.media}


def provision(stack, args, trunk_port, workdir):
    api = stack.api
    t0 = time.time()
    api.call("PUT", "/v1/trunks/t1", trunk_json(args, trunk_port))
    # one increment of a second: a call's billable seconds are its duration rounded up to the second
    deck = "prefix,price_per_minute,currency,first_increment,next_increment\n1,0.0100,USD,1,1\n"
    api.call("PUT", "/v1/ratedecks/default", deck, content_type="text/csv")
    for i in range(1, args.accounts + 1):
        a = account_id(i)
        api.call("PUT", f"/v1/accounts/{a}", {"displayName": f"Bench {i}", "enabled": True, "region": "US",
                                              "defaultCallerId": caller_number(i), "outboundTrunk": "t1",
                                              "prepaid": False})
        api.call("PUT", f"/v1/accounts/{a}/numbers/{caller_number(i)}", {})
        api.call("PUT", f"/v1/accounts/{a}/password", {"password": password(i)})
        api.call("POST", f"/v1/accounts/{a}/credits", {"amount": "1000.00", "currency": "USD",
                                                        "idempotencyKey": f"bench-{a}-initial"})
    callers = os.path.join(workdir, "callers.csv")
    with open(callers, "w") as f:
        f.write("SEQUENTIAL\n")
        for i in range(1, args.accounts + 1):
            f.write(f"{account_id(i)};{password(i)};{dialled_number(i)}\n")
    took = time.time() - t0
    log(f"provisioned trunk (media {args.media}), rate deck and {args.accounts} accounts in {took:.1f} s")
    return callers, took


# ---------------------------------------------------------------- SIPp


class Uas:
    """A SIPp UAS (uas-trunk.xml) running for the whole benchmark."""

    def __init__(self, name, workdir, port, trace_logs=False):
        self.name, self.port = name, port
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        # -aa: the edge's OPTIONS probes of the trunk get 200, not an aborted "call" (docs/architecture.md, trunk health)
        cmd = ["sipp", "-sf", os.path.join(SCENARIOS, "uas-trunk.xml"), "-aa", "-i", "127.0.0.1", "-p", str(port), *SIPP_BUFFERS,
               "-nostdin", "-trace_stat", "-fd", "1", "-stf", os.path.join(self.dir, "stat.csv")]
        if trace_logs:
            cmd += ["-trace_logs", "-log_file", os.path.join(self.dir, "invites.log")]
        self.out = open(os.path.join(self.dir, "sipp.out"), "w")
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=subprocess.STDOUT, cwd=self.dir,
                                     start_new_session=True)
        time.sleep(0.3)
        if self.proc.poll() is not None:
            raise RuntimeError(f"SIPp UAS {name} exited at once; see {self.dir}/sipp.out")

    def incoming(self):
        """Calls this UAS has taken so far (its stat file, written each second)."""
        last = read_stat(os.path.join(self.dir, "stat.csv"))
        return int(last.get("IncomingCall(C)", 0)) if last else 0

    def failed(self):
        """Calls this UAS has failed so far (e.g. aborted on an unexpected message)."""
        last = read_stat(os.path.join(self.dir, "stat.csv"))
        return int(last.get("FailedCall(C)", 0)) if last else 0

    def successful(self):
        """Calls this UAS has completed so far: each ended by a BYE it received and answered."""
        last = read_stat(os.path.join(self.dir, "stat.csv"))
        return int(last.get("SuccessfulCall(C)", 0)) if last else 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def read_stat(path):
    """The last row of a SIPp -trace_stat file, as a dict by column name."""
    try:
        with open(path) as f:
            lines = [l for l in f.read().splitlines() if l.strip()]
    except OSError:
        return None
    if len(lines) < 2:
        return None
    header = lines[0].rstrip(";").split(";")
    row = lines[-1].rstrip(";").split(";")
    return dict(zip(header, row))


def read_stat_rows(path):
    try:
        with open(path) as f:
            lines = [l for l in f.read().splitlines() if l.strip()]
    except OSError:
        return []
    if len(lines) < 2:
        return []
    header = lines[0].rstrip(";").split(";")
    return [dict(zip(header, l.rstrip(";").split(";"))) for l in lines[1:]]


def epoch(text):
    """SIPp's StartTime / CurrentTime: "date<TAB>time<TAB>epoch.usec"."""
    try:
        return float(text.split("\t")[-1])
    except (ValueError, AttributeError):
        return None


def offered_rate(rows, calls):
    """Calls SIPp created per second until it had created them all (interpolated between its 1 s rows)."""
    prev_c, prev_t = 0, 0.0
    for row in rows:
        c = int(row.get("OutgoingCall(C)", 0) or 0)
        start, now = epoch(row.get("StartTime")), epoch(row.get("CurrentTime"))
        if start is None or now is None:
            continue
        t = now - start
        if c >= calls and c > prev_c:
            done = prev_t + (calls - prev_c) / (c - prev_c) * (t - prev_t)
            return calls / done if done > 0 else None
        prev_c, prev_t = c, t
    return prev_c / prev_t if prev_t > 0 else None


def stamp(text):
    """SIPp's gettimeofday pair "sec/usec" (0 or empty when the message never came)."""
    s, _, us = text.partition("/")
    try:
        return float(s or 0) + float(us or 0) / 1e6
    except ValueError:
        return 0.0


def parse_timings(path):
    first, ringing, answer, invites = [], [], [], []
    try:
        with open(path) as f:
            for line in f:
                if not line.startswith("T|"):
                    continue
                parts = line.strip().split("|")
                if len(parts) < 6:
                    continue
                t_inv, t_first, t_ring, t_ans = (stamp(p) for p in parts[2:6])
                invites.append(t_inv)
                if t_first > 0:
                    first.append((t_first - t_inv) * 1000)
                if t_ring > 0:
                    ringing.append((t_ring - t_inv) * 1000)
                if t_ans > 0:
                    answer.append((t_ans - t_inv) * 1000)
    except OSError:
        pass
    return first, ringing, answer, invites


def parse_refusals(path):
    """The 503s of uac-auth-overload.xml: [(which INVITE, 1 or 2, ms from that INVITE to its 503)]."""
    out = []
    try:
        with open(path) as f:
            for line in f:
                if not line.startswith("R|"):
                    continue
                parts = line.strip().split("|")
                if len(parts) < 5 or parts[2] not in ("1", "2"):
                    continue
                t_inv, t_503 = stamp(parts[3]), stamp(parts[4])
                if t_inv > 0 and t_503 > 0:
                    out.append((int(parts[2]), (t_503 - t_inv) * 1000))
    except OSError:
        pass
    return out


def parse_rtt(path):
    by = {}
    try:
        with open(path) as f:
            next(f, None)
            for line in f:
                parts = line.strip().split(";")
                if len(parts) >= 3:
                    by.setdefault(parts[2], []).append(float(parts[1]))
    except OSError:
        pass
    return {k: summary(v, 1) for k, v in by.items()}


def drain(stack, args, limit_s=30):
    """Waits until the edge holds no call (its calls-in-progress gauge), so runs do not overlap."""
    t0 = time.time()
    while time.time() - t0 < limit_s:
        m = scrape_metrics(stack.http_port, args.api_key, ("sipstream_edge_calls_in_progress",))
        if not m or all(v == 0 for v in m.values()):
            return round(time.time() - t0, 1)
        time.sleep(1)
    return None


def run_uac(label, scenario, target_port, callers, args, rate, duration, workdir, sampler, pid_groups):
    """One SIPp UAC run at `rate` calls/s for `duration` s; returns its figures."""
    d = os.path.join(workdir, label)
    os.makedirs(d, exist_ok=True)
    calls = max(1, int(round(rate * duration)))
    hold_s = args.hold_ms / 1000.0
    limit = max(100, int(rate * (hold_s + 5) * 2))
    budget = duration + hold_s + args.recv_timeout + 30
    cmd = ["sipp", f"127.0.0.1:{target_port}", "-sf", os.path.join(SCENARIOS, scenario), "-inf", callers, *SIPP_BUFFERS,
           "-key", "domain", args.domain, "-i", "127.0.0.1", "-p", str(free_port(socket.SOCK_DGRAM)),
           "-r", str(rate), "-rp", "1000", "-m", str(calls), "-l", str(limit), "-d", str(args.hold_ms),
           "-recv_timeout", str(args.recv_timeout * 1000), "-timeout", f"{int(budget)}s", "-timeout_error",
           "-max_socket", "1000", "-nostdin",
           "-trace_stat", "-fd", "1", "-stf", os.path.join(d, "stat.csv"),
           "-trace_rtt", "-rtt_freq", "100", "-trace_logs", "-log_file", os.path.join(d, "timings.log"),
           "-trace_err", "-error_file", os.path.join(d, "errors.log"),
           "-trace_screen"]  # the final screen: messages, retransmissions and timeouts per scenario step
    media = "passthrough (SIPp to SIPp)" if scenario == "uac-plain.xml" else args.media
    log(f"{label}: {calls} calls at {rate}/s, hold {args.hold_ms} ms, media {media}")
    jvm_fn = pid_groups.get("stack_jvm")  # the JVM alone, for its collections; not a CPU group of its own
    kafka_fn = pid_groups.get("kafka_requests")  # the clients' request counters, from the stack's /metrics
    media_fn = pid_groups.get("edge_media")  # the edge's sipstream_edge_media_* counters (anchored calls)
    pid_groups = {k: v for k, v in pid_groups.items() if k not in ("stack_jvm", "kafka_requests", "edge_media")}
    kafka_before = kafka_fn() if kafka_fn else None
    media_before = media_fn() if media_fn else None
    cpu_before = {name: sum(proc_ticks(p) or 0 for p in fn()) for name, fn in pid_groups.items()}
    threads_before = threadcpu.snapshot(pid_groups["stack"]()) if "stack" in pid_groups else None
    jvm = jvm_fn() if jvm_fn else []
    gc = threadcpu.GcWatch(os.environ.get("JAVA_HOME"), jvm[0]) if jvm else None
    drops_before = udp_rcvbuf_errors()
    t0 = time.time()
    with open(os.path.join(d, "sipp.out"), "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=d, start_new_session=True)
        sampler.watch("sipp_uac", lambda: [proc.pid] if proc.poll() is None else [])
        try:
            rc = proc.wait(timeout=budget + 30)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
    t1 = time.time()
    stat = read_stat(os.path.join(d, "stat.csv")) or {}
    # SIPp names the RTT file after the scenario and its pid
    rtt_files = [f for f in os.listdir(d) if f.endswith("_rtt.csv")]
    first, ringing, answer, invites = parse_timings(os.path.join(d, "timings.log"))
    offered = offered_rate(read_stat_rows(os.path.join(d, "stat.csv")), calls)
    ok = int(stat.get("SuccessfulCall(C)", 0))
    failed = int(stat.get("FailedCall(C)", 0))
    result = {
        "label": label, "scenario": scenario, "media": media, "target_rate": rate, "duration_s": duration, "calls": calls,
        "sipp_exit_code": rc, "successful": ok, "failed": failed,
        "retransmissions": int(stat.get("Retransmissions(C)", 0)),
        "offered_rate": round(offered, 1) if offered else None,
        "passed": rc == 0 and failed == 0 and ok == calls,
        "setup_ms": {"first_response": summary(first), "ringing_180": summary(ringing), "answer_200": summary(answer)},
        "sipp_rtd_ms": parse_rtt(os.path.join(d, rtt_files[0])) if rtt_files else {},
        "wall_s": round(t1 - t0, 1), "hold_ms": args.hold_ms, "held_seconds": round(ok * args.hold_ms / 1000.0, 3),
        "resources": sampler.window(t0, t1), "dir": d,
    }
    cpu_after = {name: sum(proc_ticks(p) or 0 for p in fn()) for name, fn in pid_groups.items()}
    result["cpu_seconds"] = {n: round((cpu_after[n] - cpu_before[n]) / CLK_TCK, 1) for n in cpu_before}
    if threads_before is not None:
        # what a completed call costs the stack (every process: JVM and Redis), idle work included:
        # that is what an operator pays; the baseline runs show the stack's idle share
        stack_s = (cpu_after["stack"] - cpu_before["stack"]) / CLK_TCK
        result["stack_cpu_ms_per_call"] = round(1000.0 * stack_s / ok, 3) if ok else None
        result["stack_cpu_by_component"] = threadcpu.breakdown(
            threads_before, threadcpu.snapshot(pid_groups["stack"]()), t1 - t0, ok)
    if gc is not None:
        result["gc"] = gc.stop(ok)
    if kafka_before is not None and ok:
        result["kafka_requests_per_call"] = kafka_per_call(kafka_before, kafka_fn(), ok)
    if media_before is not None:
        # what the edge counted of anchoring during the run: calls anchored, relay failures, ended calls by verdict
        media_after = media_fn()
        result["edge_media"] = {k: round(v - media_before.get(k, 0)) for k, v in sorted(media_after.items())
                                if not k.endswith("_created") and v - media_before.get(k, 0)}
    drops_after = udp_rcvbuf_errors()
    if drops_before is not None and drops_after is not None:
        result["udp_datagrams_dropped"] = drops_after - drops_before
    a = result["setup_ms"]["answer_200"]
    log(f"{label}: exit {rc}, {ok} ok, {failed} failed, offered {result['offered_rate']}/s, "
        f"INVITE->200 p50 {a.get('p50')} p99 {a.get('p99')} ms, stack CPU {result.get('stack_cpu_ms_per_call')} ms a call, "
        f"{result.get('retransmissions')} retransmissions, {result.get('udp_datagrams_dropped')} datagrams dropped")
    if media == "anchor" and "edge_media" in result:
        rtp = result.get("stack_cpu_by_component", {}).get("rtpengine", {})
        anchored = sum(v for k, v in result["edge_media"].items() if k.startswith("sipstream_edge_media_anchored_total"))
        relay_failures = sum(v for k, v in result["edge_media"].items()
                             if k.startswith("sipstream_edge_media_relay_failures_total"))
        log(f"{label}: media {media}: {anchored} calls anchored, {relay_failures} relay failures, "
            f"rtpengine CPU {rtp.get('ms_per_call')} ms a call ({rtp.get('cpu_percent_of_one_core')} % of a core)")
    k = result.get("kafka_requests_per_call")
    if k:
        top = lambda label: ", ".join(f"{c} {v}" for c, v in [cv for cv in k.get(label, {}).items() if cv[0] != "total"][:3])
        log(f"{label}: Kafka a call: {k.get('produce_requests', {}).get('total')} produce requests "
            f"({top('produce_requests')}), {k.get('records_sent', {}).get('total')} records sent, "
            f"{k.get('fetch_requests', {}).get('total')} fetch requests ({top('fetch_requests')})")
    return result


# ---------------------------------------------------------------- billing


def billing_totals(api, accounts):
    cdrs, answered, billable, calls = 0, 0, 0, 0
    for i in range(1, accounts + 1):
        a = account_id(i)
        cdrs += int(api.get(f"/v1/accounts/{a}/cdrs?count=1")["total"])
        usage = api.get(f"/v1/accounts/{a}/usage?period=DAY")
        for w in usage.get("periods", {}).get("DAY", []):
            answered += int(w.get("answeredCalls", 0))
            billable += int(w.get("billableSeconds", 0))
            calls += int(w.get("calls", 0))
    return {"cdrs": cdrs, "usage_calls": calls, "usage_answered_calls": answered, "usage_billable_seconds": billable}


def scan_cdrs(api, accounts):
    """Every CDR through the API: durations, billed seconds, dispositions, duplicate call ids."""
    seen, dup, duration_ms, billable, dispositions = set(), 0, 0, 0, {}
    for i in range(1, accounts + 1):
        a = account_id(i)
        offset = 0
        while True:
            page = api.get(f"/v1/accounts/{a}/cdrs?offset={offset}&count=1000")
            for c in page["cdrs"]:
                if c["callId"] in seen:
                    dup += 1
                seen.add(c["callId"])
                duration_ms += int(c.get("durationMillis") or 0)
                billable += int(c.get("billableSeconds") or 0)
                dispositions[c["disposition"]] = dispositions.get(c["disposition"], 0) + 1
            offset += page["count"]
            if page["count"] == 0 or offset >= page["total"]:
                break
    return {"scanned": len(seen) + dup, "duplicate_call_ids": dup, "duration_seconds": round(duration_ms / 1000.0, 3),
            "billable_seconds": billable, "dispositions": dispositions}


def settle_billing(api, args, expected_answered):
    """Waits until billing has rated every answered call (or stops changing), then reads it."""
    t0, last, stable_since = time.time(), None, time.time()
    while True:
        totals = billing_totals(api, args.accounts)
        if totals["usage_answered_calls"] >= expected_answered:
            break
        if totals != last:
            last, stable_since = totals, time.time()
        if time.time() - stable_since > 30 or time.time() - t0 > args.billing_timeout:
            break
        time.sleep(2)
    totals["settled_after_s"] = round(time.time() - t0, 1)
    return totals


# ---------------------------------------------------------------- metrics (soak)


def scrape_metrics(port, key, patterns):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/metrics")
    req.add_header("Authorization", "Bearer " + key)
    out = {}
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            for line in r.read().decode().splitlines():
                if line.startswith("#") or not line.strip():
                    continue
                name = line.split("{")[0].split(" ")[0]
                if any(p in name for p in patterns):
                    try:
                        out[line.rsplit(" ", 1)[0]] = float(line.rsplit(" ", 1)[1])
                    except ValueError:
                        pass
    except (urllib.error.URLError, OSError):
        pass
    return out


# Kafka client counters (Micrometer's names on /metrics): what each client asks of the broker. The broker's CPU
# goes mostly to handling requests, whatever they carry, so requests a call is the figure that moves it.
KAFKA_COUNTERS = {"produce_requests": "kafka_producer_request_total", "records_sent": "kafka_producer_record_send_total",
                  "fetch_requests": "kafka_consumer_fetch_manager_fetch_total"}


def kafka_requests(port, key):
    """Per counter, per client id (Streams' thread numbers folded): the counter's value now."""
    out = {}
    for series, value in scrape_metrics(port, key, tuple(KAFKA_COUNTERS.values())).items():
        name = series.split("{")[0]
        m = re.search(r'client_id="([^"]*)"', series)
        if not m or "topic=" in series or "partition=" in series:
            continue  # the per-topic series repeat the client's total
        client = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "", m.group(1))
        client = re.sub(r"\d+", "N", client)
        for label, counter in KAFKA_COUNTERS.items():
            if name == counter:
                out.setdefault(label, {}).setdefault(client, 0.0)
                out[label][client] += value
    return out


def kafka_per_call(before, after, calls):
    """The counters' growth over a run, per completed call, by client and in total."""
    out = {}
    for label, clients in after.items():
        per = {c: round((v - before.get(label, {}).get(c, 0.0)) / calls, 3) for c, v in clients.items()}
        per = {c: v for c, v in sorted(per.items(), key=lambda kv: -kv[1]) if v > 0}
        per["total"] = round(sum(per.values()), 3)
        out[label] = per
    return out


def slope_per_minute(points):
    """Least-squares slope of (t, value) in value units per minute."""
    if len(points) < 3:
        return None
    n = len(points)
    mt = sum(p[0] for p in points) / n
    mv = sum(p[1] for p in points) / n
    den = sum((p[0] - mt) ** 2 for p in points)
    return None if den == 0 else 60.0 * sum((p[0] - mt) * (p[1] - mv) for p in points) / den


# ---------------------------------------------------------------- faults


def restart_redis(stack):
    """SIGKILLs the stack's Redis child; returns the command that starts it again (same port, same data).

    Redis rewrites its process title, so the command is rebuilt from the executable and the
    redis.conf the local stack wrote into the Redis data dir.
    """
    pid = stack.redis_pid()
    if pid is None:
        raise RuntimeError("no Redis child process found")
    exe = os.readlink(f"/proc/{pid}/exe")
    cwd = os.readlink(f"/proc/{pid}/cwd")
    conf = os.path.join(cwd, "redis.conf")
    if not os.path.exists(conf):
        found = [os.path.join(d, "redis.conf") for d, _, files in os.walk(stack.data_dir) if "redis.conf" in files]
        if not found:
            raise RuntimeError("redis.conf not found under " + stack.data_dir)
        conf, cwd = found[0], os.path.dirname(found[0])
    os.kill(pid, signal.SIGKILL)
    return [exe, conf], cwd


# ---------------------------------------------------------------- the run


def machine():
    info = {"nproc": os.cpu_count()}
    try:
        with open("/proc/meminfo") as f:
            info["mem_total_gib"] = round(int(f.readline().split()[1]) / 2**20, 1)
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        info["loadavg_at_start"] = open("/proc/loadavg").read().split()[:3]
    except OSError:
        pass
    java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java"
    try:
        info["java"] = subprocess.run([java, "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    except (OSError, IndexError):
        pass
    try:
        info["sipp"] = subprocess.run(["sipp", "-v"], capture_output=True, text=True).stdout.strip().splitlines()[0]
    except (OSError, IndexError):
        pass
    info["kernel"] = os.uname().release
    return info


def ratio(a, b):
    return round(a / b, 2) if a is not None and b not in (None, 0) else None


def compare(gateway, baseline):
    out = {}
    for stage in ("first_response", "ringing_180", "answer_200"):
        g, b = gateway["setup_ms"][stage], baseline["setup_ms"][stage]
        out[stage] = {p: {"gateway": g.get(p), "baseline": b.get(p),
                          "added": round(g[p] - b[p], 3) if g.get(p) is not None and b.get(p) is not None else None}
                      for p in ("p50", "p95", "p99")}
    return out


def table(report):
    lines = []
    add = lines.append
    add("")
    add("run                          rate  offered  ok/calls        fail  first p50/p99 ms   180 p50/p99 ms    200 p50/p99 ms    stack CPU%  ms/call  RSS MiB")
    for r in report["runs"]:
        s = r["setup_ms"]
        res = r.get("resources", {}).get("stack", {})
        fmt = lambda x: "-" if x.get("p50") is None else f"{x['p50']:.2f}/{x['p99']:.2f}"
        add(f"{r['label']:<28} {r['target_rate']:>5}  {str(r['offered_rate'] or '-'):>7}  "
            f"{r['successful']:>7}/{r['calls']:<7} {r['failed']:>5}  {fmt(s['first_response']):>16}  "
            f"{fmt(s['ringing_180']):>16}  {fmt(s['answer_200']):>16}  "
            f"{str(res.get('cpu_percent_of_one_core', '-')):>10}  {str(r.get('stack_cpu_ms_per_call') or '-'):>7}  "
            f"{str(res.get('rss_max_mib', '-')):>7}")
    add("")
    gw = [r for r in report["runs"] if r.get("stack_cpu_by_component") and r["label"].startswith("gateway@") and r["passed"]]
    if gw:
        top = max(gw, key=lambda r: r["target_rate"])
        parts = ", ".join(f"{k} {v['ms_per_call']}" for k, v in top["stack_cpu_by_component"].items()
                          if k != "total" and v["ms_per_call"] is not None and v["ms_per_call"] >= 0.05)
        add(f"stack CPU per call at {top['label']} (ms): {parts}")
    for r in report["runs"]:
        g = r.get("gc")
        if g and r["label"].startswith(("gateway@", "soak", "overload")):
            add(f"{r['label']}: {g['young_collections']} young collections ({g['young_time_s']} s), {g['full_collections']} full "
                f"({g['full_time_s']} s); old generation rose {g['old_gen_rise_mib']} MiB, "
                f"{g['promoted_kib_per_call']} KiB a call")
    add(f"highest rate held for {report['config']['step_duration_s']} s with no failed call: "
        f"{report.get('max_rate_held')} calls/s (steps tried: {report.get('steps_tried')})")
    for name, c in report.get("comparisons", {}).items():
        a = c["latency"]["answer_200"]
        add(f"{name}: INVITE->200 added p50 {a['p50']['added']} ms, p95 {a['p95']['added']} ms, p99 {a['p99']['added']} ms; "
            f"completed calls gateway/baseline {c.get('completed_ratio')}")
    t = report.get("throughput")
    if t:
        add(f"throughput: gateway held {t['gateway_max_rate_held']}/s, SIPp to SIPp held {t['baseline_max_rate_held']}/s"
            f"{'' if t['baseline_limit_reached'] else ' (its limit not reached)'}: ratio {t['ratio_gateway_over_baseline']}")
    b = report.get("billing")
    if b:
        add(f"billing: CDRs {b['cdrs']} for {b['expected_answered_calls']} answered calls "
            f"(SIPp answered minus billing answered: {b.get('answered_sipp_minus_billing')}, "
            f"{b.get('duplicate_call_ids', '?')} duplicate call ids; dispositions {b.get('dispositions')}); "
            f"billed {b['usage_billable_seconds']} s for {b['sipp_held_seconds']} s held by SIPp "
            f"(expected {b['expected_billable_seconds']} s with 1 s increments); "
            f"CDR durations {b.get('cdr_duration_seconds', '?')} s")
    for name, f in (report.get("faults") or {}).items():
        if isinstance(f, dict) and name == "edge_crash":
            add(f"fault {name}: {f.get('answered_before_crash')} of {f['calls']} calls up at the SIGKILL; after the restart "
                f"a BYE reached {f.get('caller_legs_bye')} callers and {f.get('trunk_legs_bye')} trunk legs "
                f"({'passed' if f.get('passed') else 'FAILED'}); edge up again in {f.get('edge_restart_s')} s")
        elif isinstance(f, dict):
            add(f"fault {name}: {f['failed']} of {f['calls']} calls failed at {f['rate']}/s, failures during "
                f"{f['seconds_with_failures']} s (from {f.get('first_failure_after_fault_s')} s to "
                f"{f.get('last_failure_after_fault_s')} s after the fault); trunk calls minus answered: "
                f"{f['trunk_calls_minus_answered']} (failed by the trunk itself: {f.get('trunk_failed')})")
            if "first_clean_second_after_restart_s" in f:
                add(f"  first clean second {f['first_clean_second_after_restart_s']} s after the restart began "
                    f"({f.get('first_clean_second_after_fault_s')} s after the fault); timeline "
                    f"{f.get('timeline_after_fault_s')}")
            o = f.get("outage")
            if o:
                add(f"  Kafka down {o.get('down_s')} s: {o.get('calls_ended_during_outage')} of {o.get('calls')} calls ended during it; "
                    f"OPTIONS answered {o.get('options_answered')} of {o.get('options_sent')} (max {o.get('options_max_ms')} ms); "
                    f"/healthz down during it: {o.get('healthz_down_checks')}; call events waiting for Kafka at most "
                    f"{o.get('edge_events_unpublished_max')}, all published {o.get('events_published_after_stack_up_s')} s "
                    f"after the stack was up ({'passed' if f.get('passed') else 'FAILED'})")
            b = f.get("billing_after")
            if b:
                add(f"  billing so far: {b['billing_answered_calls']} answered of {b['sipp_answered_so_far']} SIPp saw "
                    f"answered (lost {b['answered_sipp_minus_billing']}), {b.get('duplicate_call_ids')} duplicate call ids")
            if f.get("error"):
                add(f"  error: {f['error']}")
        else:
            add(f"fault {name}: {f}")
    o = report.get("overload")
    if isinstance(o, dict):
        t = o["invite_to_503_ms"]
        add(f"overload {o['rate']}/s for {o['duration_s']} s (twice the {o['held_rate']}/s held): {o['placed']} placed, "
            f"{o['completed_200']} completed ({o['completed_share_of_held']} of the held rate), {o['refused_503']} refused 503 "
            f"(INVITE->503 p50 {t.get('p50')} p99 {t.get('p99')} ms, {o['refused_within_50ms_share']} within 50 ms; "
            f"the edge counted {o['edge_shed_count']} shed), {o['other_failures']} other failures")
        rc = o["recovery"]
        add(f"  then {rc['rate']}/s for {o['duration_s']} s: "
            f"{'every call passed' if rc['passed'] else str(rc['failed']) + ' of ' + str(rc['calls']) + ' failed'}")
    elif o:
        add(f"overload: {o}")
    s_ = report.get("soak")
    if s_:
        add(f"soak {s_['rate']}/s for {s_['minutes']} min: {s_['run']['failed']} failed of {s_['run']['calls']}; RSS "
            f"{s_['rss_mib_first']} -> {s_['rss_mib_last']} MiB (max {s_['rss_mib_max']}, slope over the second half "
            f"{s_['rss_slope_mib_per_min_second_half']} MiB/min); live state at the end {s_['live_state_last']}")
    m = report.get("stack_peak")
    if m:
        add(f"stack peak RSS {m['rss_max_mib']} MiB (java + redis)")
    add("")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="about 2 minutes: 15 s steps (200, then 400, 600 or 100, 50), 100 accounts")
    p.add_argument("--rates", default="25,50,100,150,200,250,300,400,600,800,1000,1200,1500",
                   help="call rates to step through (calls/s): 200 first, then up while every call passes, "
                        "or down when 200 does not")
    p.add_argument("--duration", type=int, default=60, help="seconds each rate is held (default 60)")
    p.add_argument("--hold-ms", type=int, default=1500, help="how long SIPp holds each answered call (default 1500)")
    p.add_argument("--accounts", type=int, default=200)
    p.add_argument("--max-steps", type=int, default=8)
    p.add_argument("--soak", action="store_true", help="after the steps, run at half the highest rate for --soak-minutes")
    p.add_argument("--soak-minutes", type=float, default=30)
    p.add_argument("--soak-rate", type=int, help="soak at this rate instead of half the highest (skips the steps)")
    p.add_argument("--faults", action="store_true", help="Redis restart and router failover under load, with --split the broker restarts too (see README)")
    p.add_argument("--fault-rate", type=int, default=100, help="call rate during each fault run (default 100)")
    p.add_argument("--fault-list", default="redis,router,broker,edge,kafka",
                   help="which faults --faults runs, comma-separated: redis, router, broker (needs --split), edge, "
                        "kafka (needs --split) (default all)")
    p.add_argument("--edge-crash-calls", type=int, default=5, help="calls held up when the edge is SIGKILLed (default 5)")
    p.add_argument("--edge-down-s", type=float, default=2, help="seconds the crashed edge stays down (default 2)")
    p.add_argument("--kafka-down-s", type=float, default=20,
                   help="seconds the Kafka outage lasts, the calls held across it ending meanwhile (default 20)")
    p.add_argument("--outage-calls", type=int, default=20, help="calls up when the Kafka outage begins (default 20)")
    p.add_argument("--split", action="store_true",
                   help="run `sipstream stack` (Kafka, Schema Registry, Redis) and the services (`sipstream local "
                        "--kafka ... --schema-registry ... --redis ...`) as two JVMs; with --faults adds the broker restarts")
    p.add_argument("--stack-java-opts", default="-Xms512m -Xmx512m -XX:+UseParallelGC -XX:ReservedCodeCacheSize=512m -XX:MetaspaceSize=128m",
                   help="JVM options of the `sipstream stack` process (--split)")
    p.add_argument("--broker-faults", choices=("both", "sigterm", "sigkill"), default="both",
                   help="which stack restarts to run with --faults --split (default both)")
    p.add_argument("--broker-down-s", type=float, default=5,
                   help="seconds the stack stays down before it is started again (default 5)")
    p.add_argument("--broker-fault-run-s", type=int, default=90,
                   help="length of each stack-restart run; the fault is 20 s in (default 90)")
    p.add_argument("--baseline-steps", type=int, default=3,
                   help="rates above 200 to step the SIPp-to-SIPp baseline through, for the throughput ratio (default 3)")
    p.add_argument("--warmup-seconds", type=int, default=30, help="paced warm-up before any measured run (0: none)")
    p.add_argument("--warmup-rate", type=int, default=100, help="calls/s of the paced warm-up")
    p.add_argument("--overload", action="store_true",
                   help="after the steps, twice the highest rate held for --duration s, then the held rate again (see README)")
    p.add_argument("--overload-held", type=int, help="take this as the highest rate held for --overload (skips the steps)")
    p.add_argument("--media", choices=("passthrough", "anchor"), default="passthrough",
                   help="the bench trunk's media (default passthrough): anchor sends every call's SDP through "
                        "rtpengine (ng offer, answer, delete a call), to measure what anchoring costs; needs rtpengine "
                        "installed, which `sipstream local` then starts")
    p.add_argument("--no-steps", action="store_true", help="skip the rate steps and baselines (with --faults, --soak or --overload)")
    p.add_argument("--jar", default=os.path.join(ROOT, "app", "target", "sipstream.jar"))
    p.add_argument("--java-opts", default=None,
                   help="JVM options of the stack instead of bin/sipstream's own (what a user gets)")
    p.add_argument("--api-key", default="bench-key-not-secret")
    p.add_argument("--domain", default="sipstream.local")
    p.add_argument("--sip-port", type=int, default=0)
    p.add_argument("--http-port", type=int, default=0)
    p.add_argument("--recv-timeout", type=int, default=10, help="seconds SIPp waits for an expected message")
    p.add_argument("--start-timeout", type=int, default=180)
    p.add_argument("--billing-timeout", type=int, default=180)
    p.add_argument("--keep", action="store_true", help="keep the work dir (SIPp logs, stack log, data)")
    p.add_argument("--out", default=os.path.join(BENCH, "results"))
    args = p.parse_args()
    if args.quick:
        args.rates, args.duration, args.accounts = "50,100,150,200,250,300,400", 15, min(args.accounts, 100)
        args.max_steps = min(args.max_steps, 3)
        args.baseline_steps = 0
        args.warmup_seconds = min(args.warmup_seconds, 20)
    rates = sorted({int(r) for r in args.rates.split(",") if r.strip()})
    if 200 not in rates:
        rates = sorted(set(rates) | {200})
    # steps are bounded by --max-steps as they run (up from 200, or down when 200 fails)
    if shutil.which("sipp") is None:
        sys.exit("sipp is not installed: apt-get install -y sip-tester")
    if not os.path.exists(args.jar):
        sys.exit(f"{args.jar} is missing: ./mvnw -q -DskipTests package")

    started = datetime.now(timezone.utc)
    workdir = tempfile.mkdtemp(prefix="sipstream-bench-")
    log(f"work dir {workdir}")
    report = {"started_at": started.isoformat(timespec="seconds"), "machine": machine(),
              "command": " ".join([os.path.relpath(os.path.join(BENCH, "run-bench.sh"), ROOT)] + sys.argv[1:]),
              "config": {"rates": rates, "step_duration_s": args.duration, "hold_ms": args.hold_ms,
                         "accounts": args.accounts, "java_opts": args.java_opts or "bin/sipstream's defaults", "transport": "udp",
                         "split": args.split, "stack_java_opts": args.stack_java_opts if args.split else None,
                         "media": args.media},
              "runs": []}
    stack = Stack(args, workdir)
    sampler = Sampler()
    trunk = base = None
    try:
        trunk = Uas("trunk-uas", workdir, free_port(socket.SOCK_DGRAM))
        base = Uas("baseline-uas", workdir, free_port(socket.SOCK_DGRAM))
        stack.start()
        report["stack_start_s"] = round(stack.started_in, 1)
        relay = stack.media_relay()
        report["media_relay"] = relay
        log(f"media {args.media}; the stack's media relay: {relay}")
        if args.media == "anchor" and (not relay or relay.startswith("off")):
            raise MediaRelayOff(f"--media anchor asked, but the stack's media relay is {relay or 'not reported'} "
                               f"(see {stack.log_path}): install rtpengine (apt-get install rtpengine-daemon) "
                               "or set SIPSTREAM_EDGE_MEDIA_RTPENGINE")
        sampler.watch("stack", stack.pids)
        if stack.split:  # the two JVMs apart too: the services and what they run on
            sampler.watch("services", stack.services_pids)
            sampler.watch("infra", stack.infra_pids)
        sampler.watch("sipp_uas", lambda: [pid for pid in (trunk.proc.pid, base.proc.pid)])
        sampler.start()
        callers, took = provision(stack, args, trunk.port, workdir)
        report["provisioning_s"] = round(took, 1)
        groups = {"stack": stack.pids, "stack_jvm": lambda: [p.pid for p in stack.jvms()][:1],
                  "kafka_requests": lambda: kafka_requests(stack.http_port, args.api_key),
                  "edge_media": lambda: scrape_metrics(stack.http_port, args.api_key, ("sipstream_edge_media_",))}
        gateway_runs = []

        # warm-up: the router must have read the accounts before calls count; retry until calls pass
        for attempt in range(12):
            w = run_uac(f"warmup-{attempt}", "uac-auth.xml", stack.sip_port, callers, args, 20, 2, workdir, sampler, groups)
            gateway_runs.append(w)
            if w["passed"]:
                break
            time.sleep(5)
        else:
            raise RuntimeError("warm-up calls never all succeeded; see the warmup-* dirs and sipstream.log")
        # paced warm-up: the JVM's JIT and heap take 15-20 s of steady traffic to settle (measured on the
        # router: p99 per second fell from 41 ms to 2-5 ms over its first 20 s); figures are steady state
        if args.warmup_seconds > 0:
            w = run_uac("warmup-paced", "uac-auth.xml", stack.sip_port, callers, args, args.warmup_rate,
                        args.warmup_seconds, workdir, sampler, groups)
            gateway_runs.append(w)
            report["warmup"] = {k: w[k] for k in ("label", "target_rate", "calls", "failed", "setup_ms")}
            drain(stack, args)

        def gateway(rate, label):
            r = run_uac(label, "uac-auth.xml", stack.sip_port, callers, args, rate, args.duration, workdir, sampler, groups)
            report["runs"].append(r)
            gateway_runs.append(r)
            r["drained_after_s"] = drain(stack, args)
            time.sleep(2)
            return r

        def baseline(rate, label):
            r = run_uac(label, "uac-plain.xml", base.port, callers, args, rate, args.duration, workdir, sampler, groups)
            report["runs"].append(r)
            time.sleep(2)
            return r

        max_rate, steps = None, 0
        if not args.soak_rate and not args.no_steps and not args.overload_held:
            b200 = baseline(200, "baseline@200")
            g200 = gateway(200, "gateway@200")
            steps = 1
            if g200["passed"]:
                max_rate = 200
                for rate in [r for r in rates if r > 200]:
                    if steps >= args.max_steps:
                        break
                    steps += 1
                    r = gateway(rate, f"gateway@{rate}")
                    if not r["passed"]:
                        break
                    max_rate = rate
                    if r["offered_rate"] and r["offered_rate"] < 0.9 * rate:
                        log(f"SIPp offered only {r['offered_rate']:.0f}/s of {rate}/s: stopping the steps")
                        break
            else:
                for rate in sorted([r for r in rates if r < 200], reverse=True):
                    if steps >= args.max_steps:
                        break
                    steps += 1
                    if gateway(rate, f"gateway@{rate}")["passed"]:
                        max_rate = rate
                        break
            report["max_rate_held"] = max_rate
            report["steps_tried"] = steps
            report["comparisons"] = {}
            completed = lambda g, b: ratio(g["successful"] / g["calls"], b["successful"] / b["calls"])
            if g200:
                report["comparisons"]["at 200/s"] = {"latency": compare(g200, b200), "completed_ratio": completed(g200, b200)}
            if max_rate and max_rate != 200:
                bmax = baseline(max_rate, f"baseline@{max_rate}")
                gmax = next(r for r in report["runs"] if r["label"] == f"gateway@{max_rate}")
                report["comparisons"][f"at {max_rate}/s (highest held)"] = {
                    "latency": compare(gmax, bmax), "completed_ratio": completed(gmax, bmax)}
            # the baseline's own highest rate, for the throughput ratio (bounded like the gateway's steps)
            base_max, base_failed = (200 if b200["passed"] else None), not b200["passed"]
            if args.baseline_steps and b200["passed"]:
                for rate in [r for r in rates if r > 200][:args.baseline_steps]:
                    b = baseline(rate, f"baseline@{rate}") if rate != max_rate else \
                        next(r for r in report["runs"] if r["label"] == f"baseline@{rate}")
                    if not b["passed"] or (b["offered_rate"] and b["offered_rate"] < 0.9 * rate):
                        base_failed = True
                        break
                    base_max = rate
            report["baseline_max_rate_held"] = base_max
            report["throughput"] = {
                "gateway_max_rate_held": max_rate, "baseline_max_rate_held": base_max,
                "baseline_limit_reached": base_failed,
                "ratio_gateway_over_baseline": ratio(max_rate, base_max),
                "note": None if base_failed else "the baseline passed every step tried: its limit is higher, "
                                                  "so the ratio is an upper bound"}

        if args.overload:
            held = args.overload_held or max_rate
            if held:
                o_run, rec_run, report["overload"] = overload(stack, args, callers, held, workdir, sampler, groups, gateway_runs)
                report["runs"] += [o_run, rec_run]
                gateway_runs += [o_run, rec_run]
            else:
                report["overload"] = "no rate held to double (see the steps, or give --overload-held)"

        if args.soak:
            rate = args.soak_rate or max(1, (max_rate or 200) // 2)
            report["soak"] = soak(stack, args, callers, rate, workdir, sampler, groups, gateway_runs)

        if args.faults:
            report["faults"] = faults(stack, args, callers, workdir, sampler, groups, gateway_runs, trunk)

        # billing against what SIPp did (every gateway run, warm-up included)
        answered = sum(r["successful"] for r in gateway_runs)
        held = sum(r["held_seconds"] for r in gateway_runs)
        log(f"waiting for billing to rate {answered} answered calls")
        totals = settle_billing(stack.api, args, answered)
        # each run's own hold (the Kafka outage's calls are held longer), whole seconds billed per call
        expected_billable = sum(r["successful"] * math.ceil(r.get("hold_ms", args.hold_ms) / 1000.0) for r in gateway_runs)
        billing = dict(totals)
        billing.update({"expected_answered_calls": answered, "sipp_held_seconds": round(held, 3),
                        "expected_billable_seconds": expected_billable,
                        "answered_sipp_minus_billing": answered - totals["usage_answered_calls"]})
        if totals["cdrs"] <= 500_000:
            scan = scan_cdrs(stack.api, args.accounts)
            billing.update({"cdr_duration_seconds": scan["duration_seconds"], "cdr_billable_seconds": scan["billable_seconds"],
                            "duplicate_call_ids": scan["duplicate_call_ids"], "dispositions": scan["dispositions"]})
        billing["billed_over_held"] = ratio(billing["usage_billable_seconds"], held)
        billing["cdr_duration_over_held"] = ratio(billing.get("cdr_duration_seconds"), held)
        report["billing"] = billing
        end = time.time()
        report["stack_peak"] = sampler.window(0, end).get("stack")
    finally:
        sampler.stopped.set()
        stack.stop()
        for u in (trunk, base):
            if u:
                u.stop()
    report["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, started.strftime("%Y%m%dT%H%M%SZ") + ".json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
    print(table(report))
    log(f"results: {path}")
    if args.keep:
        log(f"kept {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


def soak(stack, args, callers, rate, workdir, sampler, groups, gateway_runs):
    """Half the highest rate for a long time: memory, live state and CDRs."""
    minutes = args.soak_minutes
    log(f"soak: {rate}/s for {minutes} min")
    samples = []
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            m = scrape_metrics(stack.http_port, args.api_key, ("sipstream_edge_calls_in_progress", "jvm_memory_used_bytes"))
            heap = sum(v for k, v in m.items() if k.startswith("jvm_memory_used_bytes") and 'area="heap"' in k)
            live = {"edge_calls_in_progress": sum(v for k, v in m.items() if k.startswith("sipstream_edge_calls_in_progress"))}
            try:
                live["billing_live_calls"] = sum(int(stack.api.get(f"/v1/accounts/{account_id(i)}/usage?count=1")
                                                     .get("liveCalls") or 0) for i in range(1, args.accounts + 1))
            except RuntimeError:
                live["billing_live_calls"] = None
            rss = sum(proc_rss(p) or 0 for p in stack.pids())
            samples.append({"t": round(time.time(), 1), "rss_mib": round(rss / 2**20, 1),
                            "heap_used_mib": round(heap / 2**20, 1) if heap else None, "live": live})
            stop.wait(10)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    t0 = time.time()
    saved = args.duration
    args.duration = int(minutes * 60)
    try:
        r = run_uac("soak", "uac-auth.xml", stack.sip_port, callers, args, rate, args.duration, workdir, sampler, groups)
    finally:
        args.duration = saved
        stop.set()
        watcher.join()
    gateway_runs.append(r)
    # after the run has drained, live state must be back to nothing
    drained = drain(stack, args, 60)
    time.sleep(5)
    end_live = {"edge_calls_in_progress": sum(v for k, v in scrape_metrics(
        stack.http_port, args.api_key, ("sipstream_edge_calls_in_progress",)).items())}
    end_live["billing_live_calls"] = sum(int(stack.api.get(f"/v1/accounts/{account_id(i)}/usage?count=1")
                                             .get("liveCalls") or 0) for i in range(1, args.accounts + 1))
    half = [x for x in samples if x["t"] >= t0 + (samples[-1]["t"] - t0) / 2] if samples else []
    keys = ("edge_calls_in_progress", "billing_live_calls")
    return {"rate": rate, "minutes": minutes, "run": r, "drained_after_s": drained,
            "rss_mib_first": samples[0]["rss_mib"] if samples else None,
            "rss_mib_last": samples[-1]["rss_mib"] if samples else None,
            "rss_mib_max": max((x["rss_mib"] for x in samples), default=None),
            "rss_slope_mib_per_min_second_half": round(slope_per_minute([(x["t"], x["rss_mib"]) for x in half]) or 0, 3),
            "heap_slope_mib_per_min_second_half": round(slope_per_minute(
                [(x["t"], x["heap_used_mib"]) for x in half if x["heap_used_mib"] is not None]) or 0, 3),
            "live_state_max": {k: max((x["live"].get(k) or 0 for x in samples), default=None) for k in keys},
            "live_state_last": end_live,
            "samples": samples}


def overload(stack, args, callers, held, workdir, sampler, groups, gateway_runs):
    """Twice the highest rate held, then the held rate again at once: the edge must answer every INVITE,
    refuse the excess 503 within ~50 ms, complete about the held rate, and recover as soon as load drops."""
    over = 2 * held
    log(f"overload: {over}/s (twice the {held}/s held) for {args.duration} s, then {held}/s")
    shed = lambda: sum(scrape_metrics(stack.http_port, args.api_key, ("sipstream_edge_overload_shed",)).values())
    shed_before = shed()
    r = run_uac(f"overload@{over}", "uac-auth-overload.xml", stack.sip_port, callers, args, over, args.duration,
                workdir, sampler, groups)
    shed_during = int(shed() - shed_before)
    # no drain: the held rate follows at once, as when load drops
    rec = run_uac(f"recovery@{held}", "uac-auth.xml", stack.sip_port, callers, args, held, args.duration,
                  workdir, sampler, groups)
    refusals = parse_refusals(os.path.join(r["dir"], "timings.log"))
    stat = read_stat(os.path.join(r["dir"], "stat.csv")) or {}
    placed = int(stat.get("OutgoingCall(C)", 0) or 0) or r["calls"]
    # SIPp counts a call that ended on its 503 branch as successful: the completed calls are the rest
    ended = r["successful"]
    completed = ended - len(refusals)
    r.update({"successful_or_503": ended, "successful": completed, "passed": None,
              "held_seconds": round(completed * args.hold_ms / 1000.0, 3)})  # billing counts only answered calls
    report = {
        "held_rate": held, "rate": over, "duration_s": args.duration,
        "placed": placed, "completed_200": completed, "refused_503": len(refusals),
        "refused_503_first_invite": sum(1 for w, _ in refusals if w == 1),
        "refused_503_with_credentials": sum(1 for w, _ in refusals if w == 2),
        "other_failures": r["failed"],
        "unaccounted": placed - completed - len(refusals) - r["failed"],
        "completed_share_of_held": ratio(completed, held * args.duration),
        "invite_to_503_ms": summary([ms for _, ms in refusals]),
        "refused_within_50ms_share": ratio(sum(1 for _, ms in refusals if ms <= 50), len(refusals)),
        "edge_shed_count": shed_during,
        "sipp_exit_code": r["sipp_exit_code"],
        "recovery": {"rate": held, "calls": rec["calls"], "successful": rec["successful"], "failed": rec["failed"],
                     "passed": rec["passed"], "answer_200_ms": rec["setup_ms"]["answer_200"]},
    }
    log(f"overload@{over}: {placed} placed, {completed} completed, {len(refusals)} 503, {r['failed']} other failures; "
        f"recovery@{held}: " + ("every call passed" if rec["passed"] else f"{rec['failed']} failed"))
    rec["drained_after_s"] = drain(stack, args)
    return r, rec, report


def launcher_addresses(stack):
    """Kafka bootstrap, Schema Registry and Redis URLs as `sipstream local` printed them."""
    out = {}
    with open(stack.log_path) as f:
        for line in f:
            for key, label in (("kafka", "Kafka bootstrap"), ("registry", "Schema Registry"), ("redis", "Redis")):
                if line.strip().startswith(label) and key not in out:
                    out[key] = line.strip()[len(label):].strip().split()[0]
    return out


class ExtraRouter:
    """A second router process on the stack's broker (same application id: it takes part of call.attempts)."""

    def __init__(self, stack, args, workdir):
        self.stack, self.args, self.workdir = stack, args, workdir
        self.addresses = launcher_addresses(stack)
        self.http_port = free_port()
        self.proc = None
        self.starts = 0

    def start(self):
        java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java"
        a = self.addresses
        cmd = [java, "-Xmx512m", "-XX:+UseParallelGC", "-jar", self.args.jar, "router",
               f"--kafka.bootstrap={a['kafka']}", f"--schema.registry.url={a['registry']}", f"--redis.url={a['redis']}",
               f"--http.port={self.http_port}", f"--api.key={self.args.api_key}",
               f"--router.state.dir={os.path.join(self.workdir, 'router2-state')}"]
        self.starts += 1
        out = open(os.path.join(self.workdir, f"router2-{self.starts}.log"), "w")
        self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.stack.extra.append(self.proc)
        return wait_healthy(self.proc, self.http_port, "second router", out.name)

    def kill(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


def wait_healthy(proc, http_port, name, log_path, limit_s=90):
    """Seconds until a service process of its own answers /healthz 200; raises if it exits or takes too long."""
    t0 = time.time()
    while time.time() - t0 < limit_s:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return time.time() - t0
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{name} not healthy in {limit_s} s; see {log_path}")


class ExtraEdge:
    """An edge process of its own (`sipstream edge`, edge.id 1) on the stack's broker, Schema Registry and
    Redis, beside the one inside `sipstream local`: it can be SIGKILLed alone and started again on the same
    journal dir and SIP port."""

    def __init__(self, stack, args, workdir):
        self.stack, self.args, self.workdir = stack, args, workdir
        self.addresses = launcher_addresses(stack)
        self.sip_port = free_port(both=True)
        self.http_port = free_port()
        self.journal = os.path.join(workdir, "edge1-journal")
        self.proc = None
        self.starts = 0

    def start(self):
        java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java"
        a = self.addresses
        cmd = [java, "-Xmx256m", "-XX:+UseParallelGC", "-jar", self.args.jar, "edge",
               f"--kafka.bootstrap={a['kafka']}", f"--schema.registry.url={a['registry']}", f"--redis.url={a['redis']}",
               f"--http.port={self.http_port}", f"--api.key={self.args.api_key}", f"--sip.domain={self.args.domain}",
               "--edge.id=1", f"--sip.port={self.sip_port}", f"--edge.journal.dir={self.journal}"]
        self.starts += 1
        self.log_path = os.path.join(self.workdir, f"edge1-{self.starts}.log")
        out = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=self.stack.env(), start_new_session=True)
        self.stack.extra.append(self.proc)
        return wait_healthy(self.proc, self.http_port, "edge 1", self.log_path)

    def kill(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def edge_crash(stack, args, workdir):
    """An edge SIGKILLed with calls up, started again on its journal and port: both legs of every call must get
    a BYE from the edge started next. The calls are an account and a trunk of their own (a SIPp UAS), so
    neither the other runs' figures nor the billing check at the end count them; the caller (uac-auth-held.xml)
    never hangs up, so each of its calls succeeds only when the network's BYE came."""
    n = args.edge_crash_calls
    out = {"calls": n, "how": "`sipstream edge` (edge.id 1, a JVM of its own on the stack) SIGKILLed with "
                              f"{n} answered calls, started again {args.edge_down_s} s later on the same journal dir "
                              "and SIP port; SIPp's caller (uac-auth-held.xml) and trunk (uas-trunk.xml) each wait "
                              "for a BYE"}
    uas = Uas("edge-crash-uas", workdir, free_port(socket.SOCK_DGRAM))
    edge = ExtraEdge(stack, args, workdir)
    uac = None
    try:
        api = stack.api
        api.call("PUT", "/v1/trunks/t-crash", trunk_json(args, uas.port))
        api.call("PUT", "/v1/accounts/edgecrash", {"displayName": "Edge crash", "enabled": True, "region": "US",
                                                   "defaultCallerId": "+15552999999", "outboundTrunk": "t-crash",
                                                   "prepaid": False})
        api.call("PUT", "/v1/accounts/edgecrash/numbers/+15552999999", {})
        api.call("PUT", "/v1/accounts/edgecrash/password", {"password": "pw-edge-crash"})
        callers = os.path.join(workdir, "edge-crash-callers.csv")
        with open(callers, "w") as f:
            f.write("SEQUENTIAL\n" + "".join(f"edgecrash;pw-edge-crash;+1555799{i:04d}\n" for i in range(n)))
        out["edge_start_s"] = round(edge.start(), 1)
        d = os.path.join(workdir, "edge-crash-uac")
        os.makedirs(d, exist_ok=True)
        cmd = ["sipp", f"127.0.0.1:{edge.sip_port}", "-sf", os.path.join(SCENARIOS, "uac-auth-held.xml"), "-inf", callers,
               *SIPP_BUFFERS, "-key", "domain", args.domain, "-i", "127.0.0.1", "-p", str(free_port(socket.SOCK_DGRAM)),
               "-r", str(n), "-m", str(n), "-recv_timeout", str(args.recv_timeout * 1000), "-timeout", "360s",
               "-timeout_error", "-nostdin", "-trace_stat", "-fd", "1", "-stf", os.path.join(d, "stat.csv"),
               "-trace_logs", "-log_file", os.path.join(d, "byes.log"), "-trace_err", "-error_file", os.path.join(d, "errors.log")]
        log(f"edge crash: {n} held calls through edge 1 (sip {edge.sip_port})")
        uac = subprocess.Popen(cmd, stdout=open(os.path.join(d, "sipp.out"), "w"), stderr=subprocess.STDOUT, cwd=d,
                               start_new_session=True)
        # the router must have read the new account and trunk first: until then calls are refused, and the
        # caller gives up on them (they are counted as failed)
        t0 = time.time()
        while uas.incoming() < n and uac.poll() is None and time.time() - t0 < 60:
            time.sleep(0.5)
        time.sleep(3)  # the calls answered and acknowledged, their ANSWERED and dialogs in the journal
        out["answered_before_crash"] = uas.incoming()
        edge.kill()
        crash = time.time()
        log(f"edge crash: edge 1 SIGKILLed with {out['answered_before_crash']} calls up")
        time.sleep(args.edge_down_s)
        out["edge_restart_s"] = round(edge.start(), 1)
        try:
            out["sipp_uac_exit_code"] = uac.wait(timeout=120)
        except subprocess.TimeoutExpired:
            uac.kill()
            out["sipp_uac_exit_code"] = uac.wait()
        byes_at_caller = time.time()
        t1 = time.time()
        while uas.successful() < out["answered_before_crash"] and time.time() - t1 < 15:  # its stat file: every second
            time.sleep(0.5)
        stat = read_stat(os.path.join(d, "stat.csv")) or {}
        out["caller_legs_bye"] = int(stat.get("SuccessfulCall(C)", 0))
        out["caller_calls_failed"] = int(stat.get("FailedCall(C)", 0))
        out["trunk_legs_bye"] = uas.successful()
        out["trunk_calls_failed"] = uas.failed()
        out["caller_byes_done_after_crash_s"] = round(byes_at_caller - crash, 1)
        out["passed"] = (out["answered_before_crash"] == n and out["caller_legs_bye"] == n and out["trunk_legs_bye"] == n)
        log(f"edge crash: BYE at {out['caller_legs_bye']} of {n} callers and {out['trunk_legs_bye']} of {n} trunk legs "
            f"after the restart ({'passed' if out['passed'] else 'FAILED'}); see {d} and {edge.log_path}")
    finally:
        if uac and uac.poll() is None:
            uac.kill()
        edge.stop()
        uas.stop()
    return out


def fault_run(name, stack, args, callers, workdir, sampler, groups, gateway_runs, trunk, inject, seconds=60):
    """A run of `seconds` at --fault-rate with `inject(marks)` called on its own thread; what failed and when.

    `inject` sets marks (epoch seconds): "fault" when it breaks something, "restarting" when it starts
    it again (or "recovered" when it is back), and may set "error" to a message when it failed."""
    marks = {}
    trunk_before, trunk_failed_before = trunk.incoming(), trunk.failed()

    def guarded(m):
        try:
            inject(m)
        except Exception as e:  # noqa: BLE001 - reported in the JSON, the run goes on
            m["error"] = f"{type(e).__name__}: {e}"
            log(f"fault {name}: {m['error']}")

    t = threading.Thread(target=guarded, args=(marks,), daemon=True)
    saved = args.duration
    args.duration = seconds
    t.start()
    try:
        r = run_uac(f"fault-{name}", "uac-auth.xml", stack.sip_port, callers, args, args.fault_rate, seconds, workdir,
                    sampler, groups)
    finally:
        args.duration = saved
    t.join()
    gateway_runs.append(r)
    r["drained_after_s"] = drain(stack, args)
    time.sleep(2)
    rows = read_stat_rows(os.path.join(r["dir"], "stat.csv"))
    per_second = [(epoch(row.get("CurrentTime")), int(row.get("FailedCall(P)", 0) or 0),
                   int(row.get("SuccessfulCall(P)", 0) or 0)) for row in rows]
    per_second = [x for x in per_second if x[0] is not None]
    failing = [t_ for t_, failed, _ in per_second if failed > 0]
    times = {k: v for k, v in marks.items() if isinstance(v, float)}
    out = {"rate": args.fault_rate, "run_s": seconds, "calls": r["calls"], "successful": r["successful"],
           "failed": r["failed"], "seconds_with_failures": len(failing), "trunk_calls": trunk.incoming() - trunk_before,
           "marks": {k: round(v, 1) for k, v in times.items()}, "run": r["label"]}
    if "error" in marks:
        out["error"] = marks["error"]
    # trunk calls SIPp did not see answered: calls routed and then lost (0 expected), unless the
    # trunk itself failed them (SIPp's UAS aborts a call on an unexpected message, e.g. under a burst)
    out["trunk_calls_minus_answered"] = out["trunk_calls"] - r["successful"]
    out["trunk_failed"] = trunk.failed() - trunk_failed_before
    out["trunk_calls_unexplained"] = out["trunk_calls_minus_answered"] - out["trunk_failed"]
    if "fault" in times:
        fault = times["fault"]
        out["timeline_after_fault_s"] = {k: round(v - fault, 1) for k, v in times.items()}
        out["failed_before_fault"] = sum(f for t_, f, _ in per_second if t_ <= fault)
        if failing:
            out["first_failure_after_fault_s"] = round(failing[0] - fault, 1)
            out["last_failure_after_fault_s"] = round(failing[-1] - fault, 1)
    if failing and "recovered" in times:
        out["last_failure_after_recovery_action_s"] = round(failing[-1] - times["recovered"], 1)
    back = times.get("restarting")
    if back:
        # time to recover: the first whole second (SIPp's 1 s statistics period) after the restart began
        # in which calls completed and none failed
        clean = [t_ for t_, failed, ok in per_second if t_ - 1 >= back and failed == 0 and ok > 0]
        if clean:
            out["first_clean_second_after_restart_s"] = round(clean[0] - back, 1)
            if "fault" in times:
                out["first_clean_second_after_fault_s"] = round(clean[0] - times["fault"], 1)
        else:
            out["first_clean_second_after_restart_s"] = None
    log(f"fault {name}: {r['failed']} failed of {r['calls']}, {len(failing)} s with failures"
        + (f", first clean second {out.get('first_clean_second_after_restart_s')} s after the restart" if back else ""))
    return out


def billing_so_far(stack, args, gateway_runs):
    """Billing against every call SIPp saw answered so far: lost (answered, no CDR) and doubled CDRs."""
    answered = sum(r["successful"] for r in gateway_runs)
    totals = settle_billing(stack.api, args, answered)
    out = {"sipp_answered_so_far": answered, "billing_answered_calls": totals["usage_answered_calls"],
           "answered_sipp_minus_billing": answered - totals["usage_answered_calls"], "cdrs": totals["cdrs"],
           "settled_after_s": totals["settled_after_s"]}
    if totals["cdrs"] <= 500_000:
        scan = scan_cdrs(stack.api, args.accounts)
        out["duplicate_call_ids"] = scan["duplicate_call_ids"]
        out["answered_cdrs"] = scan["dispositions"].get("ANSWERED")
    return out


def wait_healthy(stack, limit_s=120):
    t0 = time.time()
    while time.time() - t0 < limit_s:
        if stack.healthy():
            return round(time.time() - t0, 1)
        time.sleep(0.5)
    return None


def broker_restart(stack, args, sig):
    """The inject of a stack restart: 20 s into the run the `sipstream stack` process (Kafka, Schema
    Registry and Redis) gets `sig`; --broker-down-s after it is gone it starts again on the same
    data dir and ports; marks when it is up and when the services' /healthz is 200 again."""

    def inject(marks):
        time.sleep(20)
        marks["fault"] = time.time()
        stack.stop_infra(sig)
        marks["stack_down"] = time.time()
        log(f"fault: sipstream stack {signal.Signals(sig).name}, down in {marks['stack_down'] - marks['fault']:.1f} s")
        time.sleep(args.broker_down_s)
        marks["restarting"] = time.time()
        took = stack.start_infra()
        marks["stack_up"] = time.time()
        log(f"fault: sipstream stack started again, up in {took:.1f} s")
        # which /healthz checks are down after the stack is back, and when each came up last
        t0 = time.time()
        while time.time() - t0 < 120:
            down = stack.failing_checks()
            now = time.time()
            if down == []:
                marks["healthz_back"] = now
                break
            for check in down or ["(no answer)"]:
                marks[f"healthz_down_until:{check}"] = now
            time.sleep(0.5)

    return inject


def sip_options_ms(port, timeout=1.0):
    """Milliseconds until the edge answers an OPTIONS over UDP with a final response, or None without one in `timeout`."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        tag = f"{random.getrandbits(32):08x}"
        msg = (f"OPTIONS sip:probe@127.0.0.1:{port} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP 127.0.0.1:{s.getsockname()[1]};branch=z9hG4bK{tag}{random.getrandbits(32):08x};rport\r\n"
               f"From: <sip:probe@127.0.0.1>;tag={tag}\r\nTo: <sip:probe@127.0.0.1>\r\nCall-ID: probe-{tag}@127.0.0.1\r\n"
               "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
        t0 = time.time()
        s.sendto(msg.encode(), ("127.0.0.1", port))
        while True:
            left = t0 + timeout - time.time()
            if left <= 0:
                return None
            s.settimeout(left)
            try:
                data = s.recv(65535)
            except socket.timeout:
                return None
            if data.startswith(b"SIP/2.0 ") and not data[8:9] == b"1":  # a final response, not 100 Trying
                return round((time.time() - t0) * 1000, 1)


def kafka_outage(stack, args, trunk, probes):
    """The inject of the Kafka outage (--split): once the run's calls are all up, the `sipstream stack` process is
    SIGTERMed (Kafka, the Schema Registry and Redis stop cleanly) and stays down --kafka-down-s while the calls
    end, then starts again on its data dir and ports. Until it is up again the edge is asked OPTIONS, and
    /healthz and the edge's call events waiting for Kafka are read, once a second; then marks when those events
    are all published (`events_published`) and /healthz is 200 again (`healthz_back`)."""

    def unpublished():
        m = scrape_metrics(stack.http_port, args.api_key, ("sipstream_edge_events_unpublished",))
        return sum(m.values()) if m else None

    def probe(stop):
        while not stop.is_set():
            probes["options_ms"].append(sip_options_ms(stack.sip_port))
            probes["healthz_down"].append(stack.failing_checks())
            n = unpublished()
            if n is not None:
                probes["unpublished"].append(n)
            stop.wait(1.0)

    def inject(marks):
        base = trunk.incoming()
        t0 = time.time()
        while trunk.incoming() - base < args.outage_calls and time.time() - t0 < 60:
            time.sleep(0.2)
        time.sleep(1)  # answered and acknowledged, their ANSWERED published
        marks["fault"] = time.time()
        stack.stop_infra(signal.SIGTERM)
        marks["stack_down"] = time.time()
        log(f"fault: sipstream stack SIGTERMed with {trunk.incoming() - base} calls up, down in "
            f"{marks['stack_down'] - marks['fault']:.1f} s; starting it again in {args.kafka_down_s} s")
        stop = threading.Event()
        prober = threading.Thread(target=probe, args=(stop,), daemon=True)
        prober.start()
        try:
            time.sleep(max(0.0, marks["stack_down"] + args.kafka_down_s - time.time()))
            marks["restarting"] = time.time()
            took = stack.start_infra()
            marks["stack_up"] = time.time()
        finally:
            stop.set()
            prober.join()
        log(f"fault: sipstream stack started again, up in {took:.1f} s")
        t1 = time.time()
        while time.time() - t1 < 120 and not {"events_published", "healthz_back"} <= marks.keys():
            if "events_published" not in marks and unpublished() == 0:
                marks["events_published"] = time.time()
            if "healthz_back" not in marks and stack.failing_checks() == []:
                marks["healthz_back"] = time.time()
            time.sleep(0.5)

    return inject


def kafka_outage_run(stack, args, callers, workdir, sampler, groups, gateway_runs, trunk):
    """Calls up across a Kafka outage at the edge: --outage-calls calls at 10/s, each held until well inside the
    outage (the stack is stopped once they are all up and stays down --kafka-down-s). Passed when every call
    completed, all of them ended while Kafka was down, the edge answered OPTIONS throughout, and billing, once
    Kafka is back, has every answered call once (`billing_after`)."""
    probes = {"options_ms": [], "healthz_down": [], "unpublished": []}
    saved = args.fault_rate, args.hold_ms
    rate = 10
    # held past the stop (up to 60 s after the first call, a few seconds to go down) into the outage's middle
    args.fault_rate, args.hold_ms = rate, int(1000 * (args.outage_calls / rate + 8 + args.kafka_down_s / 2))
    try:
        f = fault_run("kafka-outage", stack, args, callers, workdir, sampler, groups, gateway_runs, trunk,
                      kafka_outage(stack, args, trunk, probes), seconds=max(1, math.ceil(args.outage_calls / rate)))
        hold_s = args.hold_ms / 1000.0
    finally:
        args.fault_rate, args.hold_ms = saved
    marks = f.get("marks", {})
    down, back = marks.get("stack_down"), marks.get("stack_up")  # Kafka answers again once the stack is up
    ends = []
    try:
        with open(os.path.join(workdir, "fault-kafka-outage", "timings.log")) as tl:
            for line in tl:
                parts = line.strip().split("|")
                if line.startswith("T|") and len(parts) >= 6 and stamp(parts[5]) > 0:
                    ends.append(stamp(parts[5]) + hold_s)  # answered, then held: SIPp's BYE
    except OSError:
        pass
    options = probes["options_ms"]
    answered = [ms for ms in options if ms is not None]
    f["how"] = (f"`sipstream stack` (the Kafka broker, and with it the Schema Registry and Redis) SIGTERMed once the "
                f"{args.outage_calls} calls were up, started again {args.kafka_down_s} s after it was gone; the calls "
                f"(held {hold_s:.0f} s) ended while it was down (`down_s`: from gone to up again); the edge was asked "
                "OPTIONS once a second meanwhile")
    f["outage"] = {
        "calls": f["calls"], "down_s": round(back - down, 1) if down and back else None, "hold_s": hold_s,
        "events_published_after_stack_up_s": round(marks["events_published"] - back, 1)
        if back and "events_published" in marks else None,
        "calls_ended_during_outage": sum(1 for t in ends if down and back and down <= t <= back),
        "options_sent": len(options), "options_answered": len(answered),
        "options_max_ms": max(answered) if answered else None,
        "healthz_down_checks": sorted({c for d in probes["healthz_down"] if d for c in d}),
        "edge_events_unpublished_max": max(probes["unpublished"]) if probes["unpublished"] else None,
    }
    if wait_healthy(stack, 180) is not None:
        f["billing_after"] = billing_so_far(stack, args, gateway_runs)
    b, o = f.get("billing_after") or {}, f["outage"]
    f["passed"] = (f["failed"] == 0 and f["successful"] == f["calls"] and o["calls_ended_during_outage"] == f["calls"]
                   and o["options_sent"] > 0 and o["options_answered"] == o["options_sent"]
                   and b.get("answered_sipp_minus_billing") == 0 and b.get("duplicate_call_ids") == 0)
    log(f"fault kafka_outage: {o['calls_ended_during_outage']} of {f['calls']} calls ended during the outage, "
        f"OPTIONS {o['options_answered']}/{o['options_sent']} answered (max {o['options_max_ms']} ms), billing lost "
        f"{b.get('answered_sipp_minus_billing')} answered calls: {'passed' if f['passed'] else 'FAILED'}")
    return f


def faults(stack, args, callers, workdir, sampler, groups, gateway_runs, trunk):
    """Faults under load (see README): Redis, a router process, an edge process crashed under held calls, and
    with --split the whole stack process restarted under load and a Kafka outage under calls held across it;
    --fault-list picks some."""
    out = {}
    chosen = {f.strip() for f in args.fault_list.split(",") if f.strip()}
    if "edge" in chosen:
        try:
            out["edge_crash"] = edge_crash(stack, args, workdir)
        except (RuntimeError, KeyError, OSError) as e:
            out["edge_crash"] = f"not run: {e}"

    def redis(marks):
        time.sleep(20)
        cmd, cwd = restart_redis(stack)
        marks["fault"] = time.time()
        time.sleep(5)
        stack.extra.append(subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                            start_new_session=True))
        marks["recovered"] = time.time()
        log("fault: Redis killed, started again 5 s later")

    if "redis" in chosen:
        out["redis_restart"] = fault_run("redis", stack, args, callers, workdir, sampler, groups, gateway_runs, trunk, redis)

    router = None
    if "router" in chosen:
        try:
            router = ExtraRouter(stack, args, workdir)
            took = router.start()
            log(f"second router healthy in {took:.1f} s; letting the group settle")
            time.sleep(15)

            def kill_router(marks):
                time.sleep(20)
                router.kill()
                marks["fault"] = time.time()
                log("fault: second router SIGKILLed")
                time.sleep(15)
                marks["restarting"] = time.time()
                router.start()
                marks["recovered"] = time.time()
                log("fault: second router started again")

            out["router_kill_restart"] = fault_run("router", stack, args, callers, workdir, sampler, groups, gateway_runs,
                                                   trunk, kill_router)
            out["router_kill_restart"]["how"] = ("a second router process (same application id) took part of "
                                                 "call.attempts; SIGKILLed 20 s in, started again 15 s later")
        except (RuntimeError, KeyError, OSError) as e:
            out["router_kill_restart"] = f"not run: {e}"

    if not ({"broker", "kafka"} & chosen):
        return out
    if not stack.split:
        for name, fault in (("broker_restart", "broker"), ("kafka_outage", "kafka")):
            if fault in chosen:
                out[name] = ("not run: in `sipstream local` the broker runs inside the services' JVM; "
                             "run with --split (see bench/README.md)")
        return out
    if router and router.proc and router.proc.poll() is None:
        # the broker faults measure the one services process: the second router leaves the group first
        router.proc.terminate()
        router.proc.wait(timeout=60)
        time.sleep(10)
    if "kafka" in chosen:
        if wait_healthy(stack, 180) is None:
            out["kafka_outage"] = "not run: /healthz was not 200 before the fault"
        else:
            out["kafka_outage"] = kafka_outage_run(stack, args, callers, workdir, sampler, groups, gateway_runs, trunk)
    for kind, sig in (("sigterm", signal.SIGTERM), ("sigkill", signal.SIGKILL)):
        if "broker" not in chosen or args.broker_faults not in ("both", kind):
            continue
        name = f"broker_restart_{kind}"
        waited = wait_healthy(stack, 180)
        if waited is None:
            out[name] = "not run: /healthz was not 200 before the fault"
            continue
        f = fault_run(f"broker-{kind}", stack, args, callers, workdir, sampler, groups, gateway_runs, trunk,
                      broker_restart(stack, args, sig), seconds=args.broker_fault_run_s)
        f["how"] = (f"`sipstream stack` (Kafka broker, Schema Registry and Redis in one JVM) "
                    + ("SIGTERMed (controlled shutdown: Kafka flushes, Redis writes its AOF)" if sig == signal.SIGTERM
                       else "SIGKILLed with its process group (the JVM and its Redis child at once, as a crash)")
                    + f" 20 s into the run, started again on the same data dir and ports {args.broker_down_s} s after "
                    "it was gone; the services ran on in the other JVM. Schema Registry and Redis restart with the "
                    "broker: a stronger test than the broker alone")
        f["billing_after"] = billing_so_far(stack, args, gateway_runs)
        b = f["billing_after"]
        log(f"fault {name}: billing {b['billing_answered_calls']} answered of {b['sipp_answered_so_far']} SIPp saw "
            f"answered, {b.get('duplicate_call_ids')} duplicate call ids")
        out[name] = f
    return out


if __name__ == "__main__":
    try:
        main()
    except MediaRelayOff as e:
        sys.exit(f"error: {e}")
