package io.sipstream.localstack;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real {@code redis-server} child process, bound to 127.0.0.1, persisting to an append-only
 * file in its own dir so that a restart on the same dir keeps every key.
 *
 * <p>All settings, the password included, go in a {@code redis.conf} readable by the owner only:
 * on the command line the password would show in {@code ps}.
 */
public final class RedisServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisServer.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Process process;
    private final int port;
    private final Path dir;
    private boolean closed;

    private RedisServer(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /** Starts the redis-server on PATH, else the bundled one; see {@link #start(Path, Path, int, String)}. */
    public static RedisServer start(Path dir, int port, String password) {
        return start(RedisExecutable.resolve(), dir, port, password);
    }

    /**
     * Starts {@code executable} on {@code dir} and returns once it answers PING.
     *
     * @param port     0 for a free port
     * @param password the {@code requirepass}, or null for none
     */
    public static RedisServer start(Path executable, Path dir, int port, String password) {
        int redisPort = Ports.resolve(port, "Redis");
        try {
            Files.createDirectories(dir);
            stopLeftover(dir);
            Path conf = writeConfig(dir, redisPort, password);
            Process process = new ProcessBuilder(executable.toString(), conf.toAbsolutePath().toString()) // redis runs in its dir
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.out").toFile()))
                    .start();
            RedisServer server = new RedisServer(process, redisPort, dir);
            try {
                server.awaitReady();
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + executable + " on port " + redisPort + " in " + dir
                    + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * SIGTERM first: Redis then flushes the append-only file and exits; it is killed only when it
     * has not exited in time.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        ChildProcesses.stop(process, STOP_TIMEOUT, "redis-server");
    }

    private static Path writeConfig(Path dir, int port, String password) throws IOException {
        StringBuilder conf = new StringBuilder()
                .append("bind ").append(Ports.LOOPBACK).append('\n')
                .append("port ").append(port).append('\n')
                .append("protected-mode yes\n")
                .append("daemonize no\n")
                .append("dir ").append(quote(dir.toAbsolutePath().toString())).append('\n')
                .append("pidfile ").append(quote(dir.resolve("redis.pid").toAbsolutePath().toString())).append('\n')
                .append("logfile ").append(quote(dir.resolve("redis.log").toAbsolutePath().toString())).append('\n')
                // every write is in the AOF within a second, and all of it after a clean stop
                .append("appendonly yes\n")
                .append("appendfsync everysec\n");
        if (password != null) conf.append("requirepass ").append(quote(password)).append('\n');
        Path file = dir.resolve("redis.conf");
        Files.deleteIfExists(file);
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(file, conf, StandardCharsets.UTF_8);
        return file;
    }

    /** Redis config strings: double-quoted, with backslash escapes. */
    private static String quote(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /**
     * A JVM that died without closing its stack (kill -9) leaves its redis-server running on the
     * data dir; a new one on the same dir would fight it over the AOF, so it is stopped first.
     */
    private static void stopLeftover(Path dir) throws IOException {
        Path pidFile = dir.resolve("redis.pid");
        if (!Files.exists(pidFile)) return;
        Optional<ProcessHandle> leftover;
        try {
            leftover = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim()));
        } catch (NumberFormatException e) {
            leftover = Optional.empty();
        }
        leftover.filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.contains("redis-server")).orElse(false))
                .ifPresent(p -> {
                    log.warn("stopping redis-server pid {} left running on {} by an earlier run", p.pid(), dir);
                    p.destroy();
                    p.onExit().orTimeout(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                            .exceptionally(e -> { p.destroyForcibly(); return p; })
                            .join();
                });
        Files.deleteIfExists(pidFile);
    }

    /** Ready = answers PING; with a password, NOAUTH is an answer too. LOADING (replaying the AOF) is not. */
    private void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String lastReply = "no connection";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + process.exitValue()
                        + " before accepting connections; its log: " + tail(dir.resolve("redis.log"))
                        + tail(dir.resolve("redis.out")));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(Ports.LOOPBACK, port), 500);
                socket.setSoTimeout(1000);
                OutputStream out = socket.getOutputStream();
                out.write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String reply = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                        .readLine();
                if (reply != null && (reply.startsWith("+PONG") || reply.startsWith("-NOAUTH"))) return;
                lastReply = String.valueOf(reply);
            } catch (IOException e) {
                lastReply = e.getMessage();
            }
            sleep(50);
        }
        throw new IllegalStateException("redis-server on port " + port + " not ready within " + START_TIMEOUT
                + " (last answer: " + lastReply + "); its log: " + tail(dir.resolve("redis.log")));
    }

    private static String tail(Path file) {
        try {
            if (!Files.exists(file)) return "";
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for redis-server", e);
        }
    }
}
