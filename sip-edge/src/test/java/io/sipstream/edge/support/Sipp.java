package io.sipstream.edge.support;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/** SIPp (Debian's sip-tester) as a test's peer: one call ({@code -m 1}), its output in its work directory. */
public final class Sipp {
    public static final String INSTALL = "SIPp is not installed: apt-get update && apt-get install -y sip-tester";

    /** The sipp on PATH, if any. */
    public static Optional<Path> find() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir, "sipp");
            if (Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    /** Starts sipp with these arguments for one call, failing (exit code not 0) after 20 s without one. */
    public static Process start(Path workDir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(find().orElseThrow().toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-nostdin", "-trace_err", "-timeout", "20s", "-timeout_error", "-m", "1"));
        return new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(workDir.resolve("sipp.out").toFile()).start();
    }

    /** Its exit code (0: its call completed), its files printed when not 0. */
    public static int await(Process p, Path workDir) throws Exception {
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("sipp did not finish");
        }
        if (p.exitValue() != 0) {
            StringBuilder logs = new StringBuilder();
            try (var files = Files.list(workDir)) {
                for (Path f : files.toList()) logs.append("== ").append(f.getFileName()).append('\n').append(Files.readString(f));
            }
            System.out.println(logs);
        }
        return p.exitValue();
    }

    /** Waits until something listens on this UDP port of 127.0.0.1 (the test can no longer bind it). */
    public static void awaitUdpBound(int port, Duration atMost) {
        Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(50)).until(() -> {
            try (java.net.DatagramSocket probe = new java.net.DatagramSocket(port, java.net.InetAddress.getLoopbackAddress())) {
                return false;
            } catch (java.net.SocketException bound) {
                return true;
            }
        });
    }

    private Sipp() {}
}
