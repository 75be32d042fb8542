"""CPU of the stack by component, read from /proc/<pid>/task/*/stat (utime + stime of each thread).

The kernel keeps a thread's name (comm) to 15 characters; Java sets it from the thread's name, so
the names are enough to tell the broker's threads from the router's, billing's and the edge's.
No profiler runs: the figures cost nothing to take and count native time (system calls, JIT) too,
which a sampling profiler misses.
"""
import os
import re
import subprocess

CLK_TCK = os.sysconf("SC_CLK_TCK")

# first match wins; comm is at most 15 characters
COMPONENTS = [
    ("jit", r"^C[12] Compiler"),
    ("gc", r"^(GC Thread|G1 |VM Thread|ZGC|Parallel)"),
    ("kafka broker", r"^(data-plane-kaf|kafka-\d|kafka-sched|kafka-log|kafka-coordi|group-coordina|executor-|ExpirationReap|"
                     r"TxnMarkerSende|AddPartitionsTo|quorum-control|controller-|broker-|raft-|transaction-lo|"
                     r"share-|persister|LogDirFailure|feature-zk|metrics-meter|kafka-network|kafka-admin)"),
    ("kafka producers (I/O threads)", r"^kafka-producer"),
    ("router (stream threads)", r"^sipstream-rout"),
    ("billing (stream threads)", r"^sipstream-bill"),
    ("edge: JAIN-SIP", r"^(sipstream-edge|DefaultSipTime|MessageProcess|EventScanner|SipStackTimer)"),
    ("edge: call events", r"^edge-call-even"),
    ("edge: auth and attempts (virtual threads)", r"^(ForkJoinPool|edge-io)"),
    ("edge: verdicts", r"^sip-edge-\d+-verd"),
    ("edge: other", r"^(sip-edge-|edge-)"),
    ("registry", r"^registry-"),
    ("http (admin API, Schema Registry)", r"^(JettyServerThr|qtp|HttpClient)"),
]


def component(comm):
    for name, pattern in COMPONENTS:
        if re.search(pattern, comm):
            return name
    return "other"


def snapshot(pids):
    """{(pid, tid): (comm, ticks)} of every thread of the given processes."""
    out = {}
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
            with open(f"/proc/{pid}/comm") as f:
                comm = f.read()
            # child processes: all the threads of Redis (and of rtpengine, the media relay) are theirs
            # (the name read once: read in the loop, the second name was tested against an empty string)
            process = next((p for p in ("redis", "rtpengine") if comm.startswith(p)), None)
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            comm = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2:].split()
            try:
                ticks = int(fields[11]) + int(fields[12])
            except (ValueError, IndexError):
                continue
            out[(pid, tid)] = (process or comm, ticks)
    return out


def breakdown(before, after, seconds, calls):
    """CPU by component between two snapshots: % of one core and ms per call (calls > 0)."""
    sums = {}
    for key, (comm, ticks) in after.items():
        start = before.get(key, (comm, 0))[1]
        name = comm if comm in ("redis", "rtpengine") else component(comm)
        sums[name] = sums.get(name, 0) + max(0, ticks - start)
    total = sum(sums.values())
    out = {}
    for name, ticks in sorted(sums.items(), key=lambda kv: -kv[1]):
        cpu_s = ticks / CLK_TCK
        out[name] = {"cpu_percent_of_one_core": round(100.0 * cpu_s / seconds, 1) if seconds > 0 else None,
                     "ms_per_call": round(1000.0 * cpu_s / calls, 3) if calls else None}
    out["total"] = {"cpu_percent_of_one_core": round(100.0 * total / CLK_TCK / seconds, 1) if seconds > 0 else None,
                    "ms_per_call": round(1000.0 * total / CLK_TCK / calls, 3) if calls else None}
    return out


class GcWatch:
    """The stack JVM's collections during a run, from `jstat -gc <pid> 1000`: young and full
    collections, their time, and what reached the old generation (the sum of its rises between
    samples: promotion, plus any array too large for the young generation)."""

    def __init__(self, java_home, pid):
        jstat = os.path.join(java_home, "bin", "jstat") if java_home else "jstat"
        try:
            self.proc = subprocess.Popen([jstat, "-gc", str(pid), "1000"], stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL, text=True)
        except OSError:
            self.proc = None

    def stop(self, calls):
        if self.proc is None:
            return None
        self.proc.terminate()
        out = self.proc.communicate()[0]
        rows = [line.split() for line in out.splitlines() if line.strip()]
        if len(rows) < 3:
            return None
        head = rows[0]
        data = []
        for r in rows[1:]:
            if r == head or len(r) != len(head):
                continue
            try:
                data.append({k: float(v) for k, v in zip(head, r) if v != "-"})
            except ValueError:
                continue
        if len(data) < 2:
            return None
        first, last = data[0], data[-1]
        # a collector without a column ("-": ZGC has no full collections, and counts its concurrent cycles as CGC)
        rise = lambda k: last.get(k, 0.0) - first.get(k, 0.0)
        promoted_kb = sum(max(0.0, b.get("OU", 0.0) - a.get("OU", 0.0)) for a, b in zip(data, data[1:]))
        out = {"young_collections": int(rise("YGC")),
               "young_time_s": round(rise("YGCT"), 3),
               "full_collections": int(rise("FGC")),
               "full_time_s": round(rise("FGCT"), 3),
               "concurrent_collections": int(rise("CGC")),
               "concurrent_time_s": round(rise("CGCT"), 3),
               "old_gen_rise_mib": round(promoted_kb / 1024, 1),
               "old_used_mib_last": round(last.get("OU", 0.0) / 1024, 1)}
        out["promoted_kib_per_call"] = round(promoted_kb / calls, 2) if calls else None
        return out
