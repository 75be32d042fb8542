package io.sipstream.bench.router;

import io.sipstream.avro.Account;
import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.Direction;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.Trunk;
import io.sipstream.avro.VerdictAction;
import io.sipstream.localstack.LocalStack;
import io.sipstream.platform.ServiceContext;
import io.sipstream.platform.config.Settings;
import io.sipstream.router.RouterConfig;
import io.sipstream.router.RouterService;
import io.sipstream.schemas.TopicBootstrapper;
import io.sipstream.schemas.Topics;
import io.sipstream.schemas.serde.SerdeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Router verdict throughput and latency through the real (embedded) broker: starts the local
 * stack and one router, then
 * <ol>
 *   <li>throughput: produces {@code --attempts} attempts as fast as a batching producer can and
 *       counts verdicts per second, from the first attempt sent to the last verdict read;</li>
 *   <li>latency: sends attempts at {@code --rate} per second for {@code --seconds} with a
 *       linger-0 producer, as an edge does, and reports percentiles of attempt-sent to
 *       verdict-read.</li>
 * </ol>
 * Everything (broker, registry, router, load) runs in this one JVM on this machine, so the
 * figures are what the whole stack manages on it, not the router alone.
 *
 * <p>Options: {@code --attempts=200000 --rate=1000 --seconds=30 --warmup=20000 --paced-warmup=20 --accounts=60
 * --threads=<cores> --router-jvm=false}; {@code --broker.<property>=value} sets a broker property;
 * {@code --router.<setting>=value} passes a router setting (e.g. {@code --router.commit.interval=1s}).
 */
public final class RouterThroughputBench {
    private static final Logger log = LoggerFactory.getLogger(RouterThroughputBench.class);
    private static final String TRUNK = "bench-trunk";

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = options(args);
        int attempts = Integer.parseInt(opts.getOrDefault("attempts", "200000"));
        int rate = Integer.parseInt(opts.getOrDefault("rate", "1000"));
        int seconds = Integer.parseInt(opts.getOrDefault("seconds", "30"));
        int warmup = Integer.parseInt(opts.getOrDefault("warmup", "20000"));
        int paceWarmup = Integer.parseInt(opts.getOrDefault("paced-warmup", "20"));
        int accountCount = Integer.parseInt(opts.getOrDefault("accounts", "60"));
        int threads = Integer.parseInt(opts.getOrDefault("threads", Integer.toString(Runtime.getRuntime().availableProcessors())));

        Path data = Files.createTempDirectory("sipstream-router-bench");
        LocalStack.Builder stackBuilder = LocalStack.builder().dataDir(data.resolve("stack"));
        opts.forEach((k, v) -> { if (k.startsWith("broker.")) stackBuilder.brokerProperty(k.substring("broker.".length()), v); });
        try (LocalStack stack = stackBuilder.start()) {
            SerdeConfig serdes = new SerdeConfig(stack.schemaRegistryUrl(), null, true);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
                new TopicBootstrapper(admin, (short) 1).ensureAll();
            }
            List<String> accounts = seedRegistry(stack, serdes, accountCount);
            Map<String, String> routerSettings = new HashMap<>(Map.of(
                    "kafka.bootstrap", stack.bootstrapServers(),
                    "schema.registry.url", stack.schemaRegistryUrl(),
                    "router.threads", Integer.toString(threads),
                    "router.state.dir", data.resolve("router").toString(),
                    "api.key", "bench-api-key-0123456789abcdef", "http.port", "0"));
            opts.forEach((k, v) -> { if (k.startsWith("router.")) routerSettings.put(k, v); }); // e.g. --router.commit.interval=1s
            Settings settings = Settings.of(routerSettings);
            boolean ownJvm = Boolean.parseBoolean(opts.getOrDefault("router-jvm", "false"));
            try (AutoCloseable router = ownJvm ? routerProcess(routerSettings, data) : startInProcess(settings);
                 VerdictReader reader = new VerdictReader(stack, serdes)) {
                log.info("router {} with {} threads; {} accounts", ownJvm ? "in its own JVM" : "in this JVM", threads, accounts.size());

                Throughput warm = throughput(stack, serdes, reader, accounts, "warmup", warmup);
                log.info("warm-up: {} verdicts at {} /s", warm.count, Math.round(warm.perSecond()));
                Throughput t = attempts > 0 ? throughput(stack, serdes, reader, accounts, "tput", attempts) : new Throughput(0, 0, 1);
                // the JIT and the heap take 15-20 s of paced traffic to settle after a start or a burst
                // (measured: p99 per second fell from 41 ms to 2-5 ms over the first 20 s): warm up paced first
                if (paceWarmup > 0) {
                    Latency cold = latency(stack, serdes, reader, accounts, rate, paceWarmup, "latwarm-");
                    System.out.printf(Locale.ROOT, "paced warm-up at %d/s for %d s: %s%n", rate, paceWarmup, cold.summary());
                }
                Latency l = latency(stack, serdes, reader, accounts, rate, seconds, "lat-");
                Diagnostics.print();
                // the floor in the same run: the same records through plain Kafka clients, one hop and two
                Latency oneHop = KafkaHops.oneHop(stack.bootstrapServers(), serdes, rate, seconds);
                Latency twoHops = KafkaHops.twoHops(stack.bootstrapServers(), serdes, rate, seconds);
                Latency forward = KafkaHops.streamsHops(stack.bootstrapServers(), serdes,
                        RouterService.streamsProperties(RouterConfig.from(settings)), rate, seconds);

                String cpu = Runtime.getRuntime().availableProcessors() + " cores";
                System.out.printf(Locale.ROOT, "%n=== Router verdict throughput (%s, %d stream threads, JDK %s) ===%n",
                        cpu, threads, Runtime.version());
                System.out.printf(Locale.ROOT, "throughput: %d verdicts in %.2f s = %,.0f verdicts/s (%d routed, %d rejected)%n",
                        t.count, t.seconds(), t.perSecond(), t.routed, t.count - t.routed);
                System.out.printf(Locale.ROOT, "latency at %d/s for %d s (%d samples, attempt sent -> verdict read): "
                                + "p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms, lost %d%n",
                        rate, seconds, l.samples.length, l.percentile(50), l.percentile(90), l.percentile(99),
                        l.percentile(99.9), l.max(), l.lost);
                System.out.printf(Locale.ROOT, "baseline, plain Kafka clients at %d/s: one hop %s; two hops (consume-produce relay) %s%n",
                        rate, oneHop.summary(), twoHops.summary());
                System.out.printf(Locale.ROOT, "baseline, a Kafka Streams app that only forwards, with the router's properties: %s%n",
                        forward.summary());
                System.out.printf(Locale.ROOT, "router / two plain hops: p50 x%.2f, p99 x%.2f%n",
                        l.percentile(50) / twoHops.percentile(50), l.percentile(99) / twoHops.percentile(99));
                System.out.printf(Locale.ROOT, "  halves (ms, wall clock): sent -> decided p50 %d p99 %d; decided -> read p50 %d p99 %d%n",
                        percentile(reader.toRouter, 50), percentile(reader.toRouter, 99),
                        percentile(reader.fromRouter, 50), percentile(reader.fromRouter, 99));
            }
        } finally {
            deleteQuietly(data);
        }
        System.exit(0);
    }

    private static RouterService startInProcess(Settings settings) throws InterruptedException {
        RouterService router = RouterService.start(RouterConfig.from(settings), ServiceContext.create(settings));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (router.state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("router not RUNNING: " + router.state());
            Thread.sleep(100);
        }
        return router;
    }

    /**
     * RouterMain in a JVM of its own (as a deployment runs it), on this class path, with
     * {@code ROUTER_JAVA_OPTS} (default {@code -Xmx1g -XX:+UseParallelGC}); the warm-up waits for its verdicts.
     */
    private static AutoCloseable routerProcess(Map<String, String> settings, Path data) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(System.getenv().getOrDefault("ROUTER_JAVA_OPTS", "-Xmx1g -XX:+UseParallelGC").trim().split("\\s+")));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.sipstream.router.RouterMain"));
        settings.forEach((k, v) -> command.add("--" + k + "=" + v));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(data.resolve("router.log").toFile()).start();
        return () -> {
            process.destroy();
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly();
        };
    }

    private static List<String> seedRegistry(LocalStack stack, SerdeConfig serdes, int count) throws Exception {
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        List<String> ids = new ArrayList<>();
        try (KafkaProducer<String, Trunk> trunks = new KafkaProducer<>(props, new StringSerializer(), Topics.REGISTRY_TRUNKS.valueSerde(serdes).serializer());
             KafkaProducer<String, Account> accounts = new KafkaProducer<>(props, new StringSerializer(), Topics.REGISTRY_ACCOUNTS.valueSerde(serdes).serializer())) {
            trunks.send(new ProducerRecord<>(Topics.REGISTRY_TRUNKS.name(), TRUNK,
                    Trunk.newBuilder().setTrunkId(TRUNK).setHost("198.51.100.10").build())).get();
            for (int i = 0; i < count; i++) {
                String id = "bench-" + i;
                ids.add(id);
                accounts.send(new ProducerRecord<>(Topics.REGISTRY_ACCOUNTS.name(), id, Account.newBuilder()
                        .setAccountId(id).setSipUsername(id).setSipDomain("sipstream.local")
                        .setDefaultCallerId(String.format("+1646%07d", 2_000_000 + i)).setNumbers(List.of(String.format("+1646%07d", 2_000_000 + i)))
                        .setOutboundTrunk(TRUNK).setAllowUnratedCalls(true).build())); // the path measured before rates were required
            }
            accounts.flush();
        }
        return ids;
    }

    static CallAttempt attempt(String callId, String accountId, int i) {
        return CallAttempt.newBuilder()
                .setCallId(callId).setEdgeId("edge-" + (i & 7)).setReplyPartition(i & 7)
                .setDirection(Direction.OUTBOUND).setAccountId(accountId).setFromUser(accountId)
                .setDialled(String.format("+1212%07d", 2_000_000 + i % 8_000_000)).setReceivedAt(Instant.now()) // valid NYC numbers
                .build();
    }

    record Throughput(int count, int routed, long nanos) {
        double seconds() { return nanos / 1e9; }
        double perSecond() { return count / seconds(); }
    }

    private static Throughput throughput(LocalStack stack, SerdeConfig serdes, VerdictReader reader, List<String> accounts,
                                         String run, int count) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        String prefix = run + "-";
        reader.expect(prefix, count);
        long start = System.nanoTime();
        try (KafkaProducer<String, CallAttempt> producer = new KafkaProducer<>(props, new StringSerializer(),
                Topics.CALL_ATTEMPTS.valueSerde(serdes).serializer())) {
            for (int i = 0; i < count; i++) {
                String account = accounts.get(i % accounts.size());
                producer.send(new ProducerRecord<>(Topics.CALL_ATTEMPTS.name(), account, attempt(prefix + i, account, i)));
            }
            producer.flush();
        }
        reader.awaitAll(Duration.ofMinutes(5));
        return new Throughput(reader.received(), reader.routed(), reader.lastArrival() - start);
    }

    record Latency(double[] samples, int lost) {
        double percentile(double p) {
            if (samples.length == 0) return Double.NaN;
            int index = (int) Math.ceil(p / 100.0 * samples.length) - 1;
            return samples[Math.max(0, Math.min(samples.length - 1, index))];
        }

        double max() { return samples.length == 0 ? Double.NaN : samples[samples.length - 1]; }

        String summary() {
            return String.format(Locale.ROOT, "p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms, lost %d",
                    percentile(50), percentile(90), percentile(99), percentile(99.9), max(), lost);
        }
    }

    private static Latency latency(LocalStack stack, SerdeConfig serdes, VerdictReader reader, List<String> accounts,
                                   int rate, int seconds, String prefix) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        int count = rate * seconds;
        reader.expect(prefix, count);
        long interval = 1_000_000_000L / rate;
        try (KafkaProducer<String, CallAttempt> producer = new KafkaProducer<>(props, new StringSerializer(),
                Topics.CALL_ATTEMPTS.valueSerde(serdes).serializer())) {
            long next = System.nanoTime();
            for (int i = 0; i < count; i++) {
                long wait = next - System.nanoTime();
                if (wait > 0) LockSupport.parkNanos(wait);
                String account = accounts.get(i % accounts.size());
                String callId = prefix + i;
                reader.sent(callId, System.nanoTime());
                producer.send(new ProducerRecord<>(Topics.CALL_ATTEMPTS.name(), account, attempt(callId, account, i)));
                next += interval;
            }
        }
        boolean all = reader.awaitAll(Duration.ofSeconds(30));
        System.out.println("router p99 per second of the run (ms): " + perSecondP99(reader.latencies, prefix, rate, seconds));
        double[] samples = reader.latenciesMillis();
        Arrays.sort(samples);
        return new Latency(samples, all ? 0 : count - reader.received());
    }

    /** Reads every partition of call.verdicts on its own thread and times the verdicts of the current run. */
    static final class VerdictReader implements AutoCloseable {
        private final KafkaConsumer<String, RoutingVerdict> consumer;
        private final Thread thread;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Map<String, Long> sentAt = new ConcurrentHashMap<>();
        final Map<String, Long> latencies = new ConcurrentHashMap<>();
        private final AtomicLong lastArrival = new AtomicLong();
        private final AtomicLong routed = new AtomicLong();
        private volatile String prefix = "";
        private volatile int expected;
        private final java.util.Set<String> seen = ConcurrentHashMap.newKeySet();
        // wall-clock milliseconds of the two halves: attempt sent -> router decided, router decided -> verdict read
        final java.util.Queue<Long> toRouter = new java.util.concurrent.ConcurrentLinkedQueue<>();
        final java.util.Queue<Long> fromRouter = new java.util.concurrent.ConcurrentLinkedQueue<>();

        VerdictReader(LocalStack stack, SerdeConfig serdes) {
            consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                    ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1,
                    ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20,
                    ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000),
                    new StringDeserializer(), Topics.CALL_VERDICTS.valueSerde(serdes).deserializer());
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < Topics.CALL_VERDICTS.partitions(); p++) partitions.add(new TopicPartition(Topics.CALL_VERDICTS.name(), p));
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            thread = Thread.ofPlatform().name("verdict-reader").start(this::run);
        }

        private void run() {
            while (running.get()) {
                for (ConsumerRecord<String, RoutingVerdict> r : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    String callId = r.key();
                    if (!callId.startsWith(prefix) || !seen.add(callId)) continue;
                    if (r.value().getAction() == VerdictAction.ROUTE) routed.incrementAndGet();
                    Long sent = sentAt.remove(callId);
                    if (sent != null) {
                        latencies.put(callId, now - sent);
                        RoutingVerdict v = r.value();
                        toRouter.add(v.getDecidedAt().toEpochMilli() - v.getAttemptReceivedAt().toEpochMilli());
                        fromRouter.add(System.currentTimeMillis() - v.getDecidedAt().toEpochMilli());
                    }
                    lastArrival.set(now);
                }
            }
            consumer.close();
        }

        void expect(String runPrefix, int count) {
            seen.clear();
            latencies.clear();
            toRouter.clear();
            fromRouter.clear();
            sentAt.clear();
            routed.set(0);
            expected = count;
            prefix = runPrefix;
        }

        void sent(String callId, long nanos) { sentAt.put(callId, nanos); }

        boolean awaitAll(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (seen.size() < expected) {
                if (System.nanoTime() > deadline) return false;
                Thread.sleep(5);
            }
            return true;
        }

        int received() { return seen.size(); }

        int routed() { return (int) routed.get(); }

        long lastArrival() { return lastArrival.get(); }

        double[] latenciesMillis() { return latencies.values().stream().mapToDouble(n -> n / 1e6).toArray(); }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    /** The p99 of each second of a paced run, to tell a transient from a steady tail. */
    static String perSecondP99(Map<String, Long> latencies, String prefix, int rate, int seconds) {
        StringBuilder out = new StringBuilder();
        for (int s = 0; s < seconds; s++) {
            List<Long> second = new ArrayList<>();
            for (int i = s * rate; i < (s + 1) * rate; i++) {
                Long n = latencies.get(prefix + i);
                if (n != null) second.add(n / 1_000_000);
            }
            out.append(percentile(second, 99)).append(' ');
        }
        return out.toString().trim();
    }

    private static long percentile(java.util.Collection<Long> values, double p) {
        long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
        if (sorted.length == 0) return -1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1))];
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> out = new HashMap<>();
        for (String a : args) {
            if (!a.startsWith("--") || !a.contains("=")) throw new IllegalArgumentException("expected --key=value, got " + a);
            out.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        }
        return out;
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception ignored) {
            // a temp dir left behind is harmless
        }
    }

    private RouterThroughputBench() {}
}
