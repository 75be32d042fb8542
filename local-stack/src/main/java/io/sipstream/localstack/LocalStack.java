package io.sipstream.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole local infrastructure in one object: a KRaft Kafka broker, a Schema Registry kept in
 * the broker's {@code _schemas} topic, and a Redis server, all on 127.0.0.1 and all persisting
 * under one data dir ({@code kafka/}, {@code redis/}), so that a stack started again on the same
 * dir finds its topics, records, schemas and keys.
 *
 * <pre>{@code
 * try (LocalStack stack = LocalStack.builder().dataDir(Path.of("data")).kafkaPort(9092).start()) {
 *     stack.bootstrapServers(); stack.schemaRegistryUrl(); stack.redisUrl();
 * }
 * }</pre>
 *
 * Closing it (or JVM exit, through a shutdown hook, unless {@link Builder#stopOnJvmExit} says no) stops every service, kills no more than its
 * own Redis child process, and frees every port.
 */
public final class LocalStack implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalStack.class);

    /** Confluent's topic name, so tools that look for the registry's topic find it. */
    public static final String SCHEMAS_TOPIC = "_schemas";

    private enum State { NEW, RUNNING, CLOSED }

    private final Path dataDir;
    private final boolean deleteDataDirOnClose;
    private final int kafkaPort;
    private final int kafkaControllerPort;
    private final int schemaRegistryPort;
    private final int redisPort;
    private final String redisPassword;
    private final String schemaRegistryBasicAuth;
    private final Path redisExecutable;
    private final Map<String, String> brokerOverrides;
    private final boolean stopOnJvmExit;

    private State state = State.NEW;
    private DataDirLock lock;
    private KafkaBroker kafka;
    private boolean kafkaStopped;
    private SchemaRegistryServer registry;
    private RedisServer redis;
    private Duration startupTime;
    private Thread shutdownHook;

    private LocalStack(Builder b) {
        this.dataDir = b.dataDir;
        this.deleteDataDirOnClose = b.deleteDataDirOnClose;
        this.kafkaPort = b.kafkaPort;
        this.kafkaControllerPort = b.kafkaControllerPort;
        this.schemaRegistryPort = b.schemaRegistryPort;
        this.redisPort = b.redisPort;
        this.redisPassword = b.redisPassword;
        this.schemaRegistryBasicAuth = b.schemaRegistryBasicAuth;
        this.redisExecutable = b.redisExecutable;
        this.brokerOverrides = Map.copyOf(b.brokerOverrides);
        this.stopOnJvmExit = b.stopOnJvmExit;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts Redis (on its own thread: it does not need Kafka) and Kafka, then the registry on
     * Kafka; returns when all three answer. A failure stops whatever had started.
     */
    public synchronized LocalStack start() {
        if (state != State.NEW) throw new IllegalStateException("local stack already " + state.name().toLowerCase());
        state = State.RUNNING;
        long started = System.nanoTime();
        CompletableFuture<RedisServer> redisStart = null;
        try {
            Files.createDirectories(dataDir);
            lock = DataDirLock.acquire(dataDir);
            Path executable = redisExecutable != null ? redisExecutable : RedisExecutable.resolve();
            redisStart = CompletableFuture.supplyAsync(
                    () -> RedisServer.start(executable, dataDir.resolve("redis"), redisPort, redisPassword),
                    runnable -> Thread.ofPlatform().name("local-stack-redis-start").daemon().start(runnable));
            kafka = KafkaBroker.start(dataDir.resolve("kafka"), kafkaPort, kafkaControllerPort, brokerOverrides);
            registry = SchemaRegistryServer.start(kafka.bootstrapServers(), SCHEMAS_TOPIC, schemaRegistryPort,
                    schemaRegistryBasicAuth);
            redis = redisStart.join();
        } catch (IOException | RuntimeException e) {
            if (redis == null && redisStart != null) {
                // the Redis start may still succeed after Kafka failed: stop it too
                redis = redisStart.handle((server, failure) -> server).join();
            }
            close();
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("local stack failed to start in " + dataDir + ": " + cause.getMessage(), cause);
        }
        startupTime = Duration.ofNanos(System.nanoTime() - started);
        if (stopOnJvmExit) {
            shutdownHook = Thread.ofPlatform().name("local-stack-shutdown").unstarted(this::close);
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
        log.info("local stack up in {} ms: kafka {}, schema registry {}, redis {} (pid {}), data in {}",
                startupTime.toMillis(), bootstrapServers(), schemaRegistryUrl(), redisUrl(), redis.pid(), dataDir);
        return this;
    }

    /** Stops the registry, Kafka and Redis, each even if another fails to stop; idempotent. */
    @Override
    public synchronized void close() {
        if (state == State.CLOSED) return;
        state = State.CLOSED;
        long started = System.nanoTime();
        stopQuietly("schema registry", registry);
        stopQuietly("kafka", kafka);
        stopQuietly("redis", redis);
        stopQuietly("data dir lock", lock);
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException jvmAlreadyExiting) {
                // the hook is running or about to: nothing to remove
            }
        }
        if (deleteDataDirOnClose) deleteRecursively(dataDir);
        log.info("local stack stopped in {} ms", Duration.ofNanos(System.nanoTime() - started).toMillis());
    }

    /**
     * Stops the broker alone, as in a Kafka outage: the registry and Redis keep running, and the broker's clients
     * are left to find it gone (tests of what they do meanwhile). {@link #restartKafka} brings it back.
     */
    public synchronized void stopKafka() {
        KafkaBroker broker = running().kafka;
        if (kafkaStopped) throw new IllegalStateException("Kafka is stopped already");
        kafkaStopped = true;
        broker.close();
    }

    /**
     * Starts the broker {@link #stopKafka} stopped, on the same ports and log dir: its clients reconnect to the
     * address they had, and find its topics and records.
     */
    public synchronized void restartKafka() {
        KafkaBroker stopped = running().kafka;
        if (!kafkaStopped) throw new IllegalStateException("Kafka is running");
        kafka = KafkaBroker.start(stopped.logDir(), stopped.port(), stopped.controllerPort(), brokerOverrides);
        kafkaStopped = false;
    }

    /** host:port for Kafka clients' {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return running().kafka.bootstrapServers();
    }

    /** e.g. http://127.0.0.1:38081 */
    public String schemaRegistryUrl() {
        return running().registry.url();
    }

    /** {@code redis://127.0.0.1:port}, without the password (see {@link #redisPassword()}), so it is safe to log. */
    public String redisUrl() {
        return "redis://" + Ports.LOOPBACK + ":" + redisPort();
    }

    public String redisHost() {
        return Ports.LOOPBACK;
    }

    public int redisPort() {
        return running().redis.port();
    }

    public Optional<String> redisPassword() {
        return Optional.ofNullable(redisPassword);
    }

    public int kafkaPort() {
        return running().kafka.port();
    }

    public int kafkaControllerPort() {
        return running().kafka.controllerPort();
    }

    public int schemaRegistryPort() {
        return running().registry.port();
    }

    /** The Redis child's pid, e.g. to check that nothing outlives {@link #close()}. */
    public long redisPid() {
        return running().redis.pid();
    }

    public Path dataDir() {
        return dataDir;
    }

    /** How long {@link #start()} took until every service answered. */
    public Duration startupTime() {
        return running().startupTime;
    }

    public synchronized boolean isRunning() {
        return state == State.RUNNING && redis != null;
    }

    private synchronized LocalStack running() {
        if (!isRunning()) throw new IllegalStateException("local stack is not running (" + state.name().toLowerCase() + ")");
        return this;
    }

    private static void stopQuietly(String what, AutoCloseable service) {
        if (service == null) return;
        try {
            service.close();
        } catch (Exception e) {
            log.warn("stopping {} failed: {}", what, e.getMessage(), e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) return;
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            log.warn("could not delete data dir {}: {}", dir, e.getMessage());
        }
    }

    /** Every setting has a default: a builder with nothing set gives a throwaway stack on free ports. */
    public static final class Builder {
        private Path dataDir;
        private boolean deleteDataDirOnClose;
        private int kafkaPort;
        private int kafkaControllerPort;
        private int schemaRegistryPort;
        private int redisPort;
        private String redisPassword;
        private String schemaRegistryBasicAuth;
        private Path redisExecutable;
        private final Map<String, String> brokerOverrides = new java.util.HashMap<>();
        private boolean stopOnJvmExit = true;

        private Builder() {}

        /** Where the data lives and stays (e.g. ./data for the launcher). */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir.toAbsolutePath().normalize(); // Redis runs in its own dir: no relative paths
            this.deleteDataDirOnClose = false;
            return this;
        }

        /** A fresh temp dir, deleted on close: the default. */
        public Builder tempDataDir() {
            try {
                this.dataDir = Files.createTempDirectory("sipstream-local-stack-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a temp data dir: " + e.getMessage(), e);
            }
            this.deleteDataDirOnClose = true;
            return this;
        }

        /** Kafka's client port; 0 (the default) picks a free one. */
        public Builder kafkaPort(int port) {
            this.kafkaPort = port;
            return this;
        }

        /** Kafka's KRaft controller port, which clients never use; 0 (the default) picks a free one. */
        public Builder kafkaControllerPort(int port) {
            this.kafkaControllerPort = port;
            return this;
        }

        /** 0 (the default) picks a free one. */
        public Builder schemaRegistryPort(int port) {
            this.schemaRegistryPort = port;
            return this;
        }

        /** 0 (the default) picks a free one. */
        public Builder redisPort(int port) {
            this.redisPort = port;
            return this;
        }

        /** Redis {@code requirepass}; none by default. */
        public Builder redisPassword(String password) {
            this.redisPassword = password == null || password.isEmpty() ? null : password;
            return this;
        }

        /** "user:password" to make the registry require HTTP basic auth; none by default. */
        public Builder schemaRegistryBasicAuth(String userInfo) {
            if (userInfo != null && !userInfo.contains(":")) {
                throw new IllegalArgumentException("schema registry basic auth must be user:password");
            }
            this.schemaRegistryBasicAuth = userInfo;
            return this;
        }

        /** A specific redis-server binary instead of PATH's or the bundled one. */
        public Builder redisExecutable(Path executable) {
            this.redisExecutable = executable;
            return this;
        }

        /** A Kafka broker property replacing or adding to the local defaults (e.g. num.io.threads for a benchmark). */
        public Builder brokerProperty(String key, String value) {
            this.brokerOverrides.put(key, value);
            return this;
        }

        /**
         * Whether the stack stops itself at JVM exit (a shutdown hook; the default). A launcher that runs services
         * on the stack says no and closes it itself after them: hooks run at once, so the broker would otherwise
         * stop under services still closing.
         */
        public Builder stopOnJvmExit(boolean stop) {
            this.stopOnJvmExit = stop;
            return this;
        }

        public LocalStack build() {
            if (dataDir == null) tempDataDir();
            return new LocalStack(this);
        }

        /** {@code build().start()} */
        public LocalStack start() {
            return build().start();
        }
    }
}
