package io.sipstream.localstack;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A real rtpengine media relay as a child process (Debian's {@code rtpengine-daemon}), its control on 127.0.0.1: userspace
 * forwarding (no kernel module: {@code --table=-1}), its ng control port and a range of media ports of its own.
 * Found at /usr/bin/rtpengine or on PATH; {@link #executable} says when it is not there.
 */
public final class RtpEngineServer implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    /** Media ports per instance: two a stream (RTP, RTCP), a stream a side, so 50 calls at once. */
    static final int MEDIA_PORTS = 200;

    private final Process process;
    private final int ngPort;
    private final int portMin;
    private final int portMax;
    private boolean closed;

    private RtpEngineServer(Process process, int ngPort, int portMin, int portMax) {
        this.process = process;
        this.ngPort = ngPort;
        this.portMin = portMin;
        this.portMax = portMax;
    }

    /** /usr/bin/rtpengine, else {@code rtpengine} on PATH; empty when neither is there. */
    public static Optional<Path> executable() {
        Path debian = Path.of("/usr/bin/rtpengine");
        if (Files.isExecutable(debian)) return Optional.of(debian);
        String path = System.getenv("PATH");
        if (path == null) return Optional.empty();
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "rtpengine");
            if (!dir.isEmpty() && Files.isExecutable(candidate)) return Optional.of(candidate);
        }
        return Optional.empty();
    }

    /** Starts the rtpengine found by {@link #executable}; throws IllegalStateException saying so when there is none. */
    public static RtpEngineServer start(Path dir) {
        Path rtpengine = executable().orElseThrow(() -> new IllegalStateException(
                "rtpengine is not installed (no /usr/bin/rtpengine, none on PATH): install Debian's rtpengine-daemon"));
        return start(rtpengine, dir, 0, Ports.LOOPBACK);
    }

    /**
     * Starts {@code executable} with its log in {@code dir}, and returns once it answers an ng ping.
     *
     * @param ngPort 0 for a free one
     * @param mediaAddress the local address its media ports bind and its SDP announces (what the peers reach)
     */
    public static RtpEngineServer start(Path executable, Path dir, int ngPort, String mediaAddress) {
        // a window of its own in the high ports, so that several stacks (and test JVMs) on one machine do not share ports
        int portMin = 20_000 + ThreadLocalRandom.current().nextInt(200) * MEDIA_PORTS;
        return start(executable, dir, ngPort, mediaAddress, portMin, portMin + MEDIA_PORTS - 1);
    }

    /**
     * As {@link #start(Path, Path, int, String)}, with its media ports from {@code portMin} to {@code portMax}. A call
     * holds four (RTP and RTCP on each leg) while it runs and for rtpengine's delete delay after it (30 s): a tests'
     * window of {@value #MEDIA_PORTS} holds some 50 calls in 30 s, a stack that carries traffic needs thousands.
     */
    public static RtpEngineServer start(Path executable, Path dir, int ngPort, String mediaAddress, int portMin, int portMax) {
        if (portMin < 1024 || portMax > 65_535 || portMax - portMin < 3) {
            throw new IllegalArgumentException("media ports " + portMin + "-" + portMax + ": need at least 4 ports within 1024-65535");
        }
        int ng = ngPort == 0 ? freeUdpPort() : ngPort;
        try {
            Files.createDirectories(dir);
            // no config file: Debian's /etc/rtpengine/rtpengine.conf binds fixed CLI and HTTP ports (2224, 2225), and a
            // second rtpengine on the machine (another test's) then fails to start
            Process process = new ProcessBuilder(executable.toString(), "--config-file=none", "--table=-1", "--interface=" + mediaAddress,
                    "--listen-ng=" + Ports.LOOPBACK + ":" + ng, "--port-min=" + portMin, "--port-max=" + portMax,
                    "--foreground", "--log-stderr", "--log-level=5", "--pidfile=" + dir.resolve("rtpengine.pid").toAbsolutePath())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("rtpengine.log").toFile()))
                    .start();
            RtpEngineServer server = new RtpEngineServer(process, ng, portMin, portMax);
            try {
                server.awaitReady(dir);
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + executable + ": " + e.getMessage(), e);
        }
    }

    /** Its ng control address: {@code udp:127.0.0.1:port}, the edge's {@code edge.media.rtpengine}. */
    public String ngAddress() { return "udp:" + Ports.LOOPBACK + ":" + ngPort; }

    public int ngPort() { return ngPort; }

    public int portMin() { return portMin; }

    public int portMax() { return portMax; }

    public long pid() { return process.pid(); }

    public boolean isAlive() { return process.isAlive(); }

    private void awaitReady(Path dir) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("rtpengine exited with " + process.exitValue() + " at start: see "
                        + dir.resolve("rtpengine.log"));
            }
            if (pings()) return;
        }
        throw new IllegalStateException("rtpengine did not answer a ping on " + ngAddress() + " within " + START_TIMEOUT);
    }

    /** An ng ping, bencoded by hand: {@code <cookie> d7:command4:pinge}, answered {@code <cookie> d6:result4:ponge}. */
    boolean pings() {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(200);
            String cookie = "ready" + ThreadLocalRandom.current().nextInt(1_000_000);
            byte[] ping = (cookie + " d7:command4:pinge").getBytes(StandardCharsets.US_ASCII);
            socket.send(new DatagramPacket(ping, ping.length, new InetSocketAddress(InetAddress.getByName(Ports.LOOPBACK), ngPort)));
            byte[] buffer = new byte[512];
            DatagramPacket in = new DatagramPacket(buffer, buffer.length);
            socket.receive(in);
            return new String(buffer, 0, in.getLength(), StandardCharsets.US_ASCII).contains("pong");
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) { // not listening yet (ICMP port unreachable)
            try {
                Thread.sleep(50);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for rtpengine");
            }
            return false;
        }
    }

    private static int freeUdpPort() {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName(Ports.LOOPBACK))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free UDP port on " + Ports.LOOPBACK + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        ChildProcesses.stop(process, STOP_TIMEOUT, "rtpengine");
    }
}
