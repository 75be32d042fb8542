package io.sipstream.app;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * SIPp, the real SIP peer of the end-to-end tests, run as a child process with the scenarios of
 * bench/scenarios. Every run is bounded in calls and in time; {@link #close()} ends a UAS.
 */
final class Sipp implements AutoCloseable {
    static final String INSTALL = "apt-get install -y sip-tester";

    private final Process process;
    private final Path dir;

    private Sipp(Process process, Path dir) {
        this.process = process;
        this.dir = dir;
    }

    /** The sipp binary on the PATH, or null. */
    static Path binary() {
        for (String entry : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (entry.isBlank()) continue;
            Path candidate = Path.of(entry, "sipp");
            if (Files.isExecutable(candidate)) return candidate;
        }
        return null;
    }

    /** bench/scenarios, found from the module directory (surefire's working dir) or the repository root. */
    static Path scenarios() {
        for (Path p : List.of(Path.of("..", "bench", "scenarios"), Path.of("bench", "scenarios"))) {
            if (Files.isRegularFile(p.resolve("uac-auth.xml"))) return p.toAbsolutePath().normalize();
        }
        throw new IllegalStateException("bench/scenarios not found from " + Path.of("").toAbsolutePath());
    }

    /** The trunk: answers every INVITE 100/180/200 (and OPTIONS 200) and logs each INVITE's From and P-Asserted-Identity. */
    static Sipp trunk(Path dir, int port) throws IOException {
        return start(dir, scenarios().resolve("uas-trunk.xml"), port, "-aa"); // -aa: answers the edge's OPTIONS probes
    }

    /**
     * SIPp running {@code scenario} on 127.0.0.1:{@code port} with more {@code options} (a UAC's target last); the lines
     * of its {@code <log>} actions are {@link #logged()}.
     */
    static Sipp start(Path dir, Path scenario, int port, String... options) throws IOException {
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>(List.of(binary().toString(), "-sf", scenario.toString(),
                "-i", "127.0.0.1", "-p", Integer.toString(port), "-nostdin",
                "-trace_logs", "-log_file", dir.resolve("invites.log").toString(),
                "-trace_stat", "-fd", "1", "-stf", dir.resolve("stat.csv").toString()));
        cmd.addAll(List.of(options));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("sipp.out").toFile()).start();
        return new Sipp(p, dir);
    }

    /** A caller run: {@code calls} calls at {@code rate}/s, each held {@code holdMs}; returns when SIPp exits. */
    static Result call(Path dir, int edgePort, Path callers, String domain, int rate, int calls, int holdMs,
                       long timeoutSeconds) throws IOException, InterruptedException {
        Process p = startCaller(dir, edgePort, callers, domain, rate, calls, holdMs, timeoutSeconds);
        if (!p.waitFor(timeoutSeconds + 15, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            return new Result(-1, lastStat(dir.resolve("stat.csv")), dir);
        }
        return new Result(p.exitValue(), lastStat(dir.resolve("stat.csv")), dir);
    }

    /** One call held {@code holdMs}, left running: {@link #close()} ends SIPp (the call may have been hung up meanwhile). */
    static Sipp caller(Path dir, int edgePort, Path callers, String domain, int holdMs) throws IOException {
        return new Sipp(startCaller(dir, edgePort, callers, domain, 1, 1, holdMs, holdMs / 1000 + 60), dir);
    }

    private static Process startCaller(Path dir, int edgePort, Path callers, String domain, int rate, int calls, int holdMs,
                                       long timeoutSeconds) throws IOException {
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>(List.of(binary().toString(), "127.0.0.1:" + edgePort,
                "-sf", scenarios().resolve("uac-auth.xml").toString(), "-inf", callers.toString(),
                "-key", "domain", domain, "-i", "127.0.0.1", "-p", Integer.toString(freeUdpPort()),
                "-r", Integer.toString(rate), "-m", Integer.toString(calls), "-d", Integer.toString(holdMs),
                "-recv_timeout", "20000", "-timeout", timeoutSeconds + "s", "-timeout_error", "-nostdin",
                "-trace_stat", "-fd", "1", "-stf", dir.resolve("stat.csv").toString(),
                "-trace_err", "-error_file", dir.resolve("errors.log").toString()));
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("sipp.out").toFile()).start();
    }

    /** SIPp's exit code and the last row of its statistics file. */
    record Result(int exitCode, Map<String, String> stats, Path dir) {
        long successful() { return Long.parseLong(stats.getOrDefault("SuccessfulCall(C)", "0")); }

        long failed() { return Long.parseLong(stats.getOrDefault("FailedCall(C)", "0")); }

        String describe() {
            String out;
            try {
                String text = Files.readString(dir.resolve("sipp.out"));
                out = text.length() > 4000 ? text.substring(text.length() - 4000) : text;
                Path errors = dir.resolve("errors.log");
                if (Files.exists(errors)) {
                    String e = Files.readString(errors);
                    out += "\n--- errors.log (start) ---\n" + (e.length() > 3000 ? e.substring(0, 3000) : e);
                }
            } catch (IOException e) {
                out = "(no SIPp output: " + e.getMessage() + ")";
            }
            return "SIPp exit " + exitCode + ", successful " + successful() + ", failed " + failed() + "\n" + out;
        }
    }

    /** The lines the trunk logged, one per INVITE: INVITE|call-id|From|P-Asserted-Identity|INVITE uri. */
    List<String[]> invites() throws IOException {
        List<String[]> out = new ArrayList<>();
        for (String line : logged()) {
            if (line.startsWith("INVITE|")) out.add(Arrays.copyOf(line.split("\\|", -1), 5));
        }
        return out;
    }

    /** The lines the scenario's {@code <log>} actions wrote so far. */
    List<String> logged() throws IOException {
        Path log = dir.resolve("invites.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    /** SIPp's exit code once it has ended, or null while it runs. */
    Integer exitCode() { return process.isAlive() ? null : process.exitValue(); }

    /** What SIPp printed, for a failed test's message. */
    String output() {
        try {
            return Files.readString(dir.resolve("sipp.out"));
        } catch (IOException e) {
            return "(no SIPp output: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    static Map<String, String> lastStat(Path file) throws IOException {
        if (!Files.exists(file)) return Map.of();
        List<String> lines = Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
        if (lines.size() < 2) return Map.of();
        String[] header = lines.get(0).split(";");
        String[] row = lines.get(lines.size() - 1).split(";");
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < Math.min(header.length, row.length); i++) out.put(header[i], row[i]);
        return out;
    }

    static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        }
    }

    /** A port free for both UDP and TCP on 127.0.0.1 (the edge listens on both). */
    static int freeSipPort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port;
            try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = tcp.getLocalPort();
            }
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no port free for both UDP and TCP on 127.0.0.1");
    }
}
