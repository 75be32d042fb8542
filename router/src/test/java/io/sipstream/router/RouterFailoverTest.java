package io.sipstream.router;

import io.sipstream.avro.Account;
import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.Direction;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.Trunk;
import io.sipstream.avro.VerdictAction;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.platform.ServiceContext;
import io.sipstream.platform.config.Settings;
import io.sipstream.schemas.TopicBootstrapper;
import io.sipstream.schemas.Topics;
import io.sipstream.schemas.serde.SerdeConfig;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Given two routers on the real broker, router A in its own JVM (RouterMain) and router B in this
 * one, when A is killed with SIGKILL (no clean-up, no leave-group) while attempts stream in, then
 * B takes A's partitions once the session times out and every attempt sent before, during and
 * after the kill gets its verdict on its reply partition (at-least-once: repeats allowed, none
 * missing). The takeover time is measured and logged.
 */
@ExtendWith(LocalStackExtension.class)
class RouterFailoverTest {
    private static final Logger log = LoggerFactory.getLogger(RouterFailoverTest.class);
    private static final int BEFORE = 120;          // sent in a burst while both routers run
    private static final int STREAMED = 500;        // then one every 20 ms (10 s), A killed 1.2 s in
    private static final int KILL_AFTER = 60;
    private static final int AFTER = 60;            // a burst once B answers for A's partitions
    private static final int TOTAL = BEFORE + STREAMED + AFTER;

    @Test
    void shouldAnswerEveryAttemptWhenOneOfTwoRoutersIsKilledMidRun(LocalStack stack, @TempDir Path dir) throws Exception {
        // Given the registry holds a trunk and one account on each partition of call.attempts
        String run = UUID.randomUUID().toString().substring(0, 8);
        String appId = "router-kill-" + run;
        String clientA = appId + "-a";
        List<String> accountIds = accountsOnEveryPartition(run);
        SerdeConfig serdes = new SerdeConfig(stack.schemaRegistryUrl(), null, true);
        Map<String, Object> producerProps = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 0);
        Map<String, String> common = Map.of(
                "kafka.bootstrap", stack.bootstrapServers(),
                "schema.registry.url", stack.schemaRegistryUrl(),
                "router.application.id", appId,
                "router.threads", "1",
                "router.session.timeout", "6s",
                "api.key", "router-kill-test-api-key-0123456789",
                "http.host", "127.0.0.1",
                "http.port", "0");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
            new TopicBootstrapper(admin, (short) 1).ensureAll();
            ServiceContext ctxB = ServiceContext.create(Settings.of(common));
            Process a = null;
            RouterService b = null;
            Verdicts verdicts = null;
            try (KafkaProducer<String, Account> accounts = new KafkaProducer<>(producerProps, new StringSerializer(), Topics.REGISTRY_ACCOUNTS.valueSerde(serdes).serializer());
                 KafkaProducer<String, Trunk> trunks = new KafkaProducer<>(producerProps, new StringSerializer(), Topics.REGISTRY_TRUNKS.valueSerde(serdes).serializer());
                 KafkaProducer<String, CallAttempt> attempts = new KafkaProducer<>(producerProps, new StringSerializer(), Topics.CALL_ATTEMPTS.valueSerde(serdes).serializer())) {
                trunks.send(new ProducerRecord<>(Topics.REGISTRY_TRUNKS.name(), "t-" + run,
                        Trunk.newBuilder().setTrunkId("t-" + run).setHost("198.51.100.7").build())).get();
                for (String id : accountIds) {
                    accounts.send(new ProducerRecord<>(Topics.REGISTRY_ACCOUNTS.name(), id, Account.newBuilder()
                            .setAccountId(id).setSipUsername(id).setSipDomain("sipstream.local")
                            .setDefaultCallerId("+15551230001").setOutboundTrunk("t-" + run)
                            .setAllowUnratedCalls(true).build())); // no rate deck: not what this test is about
                }
                accounts.flush();

                // ... router A runs as its own process and router B in this JVM, each with its own state dir
                a = startChild(common, clientA, Files.createDirectories(dir.resolve("a")));
                Process child = a;
                b = RouterService.start(RouterConfig.from(Settings.of(common).with(Map.of(
                        "router.state.dir", Files.createDirectories(dir.resolve("b")).toString(),
                        "router.streams.client.id", appId + "-b"))), ctxB);
                RouterService routerB = b;
                await("both routers own partitions of call.attempts").atMost(Duration.ofSeconds(60))
                        .failFast("router A exited early, see target/router-kill-child.log", () -> !child.isAlive())
                        .ignoreExceptions()
                        .until(() -> routerB.state() == KafkaStreams.State.RUNNING
                                && attemptPartitions(admin, appId).keySet().size() == 2
                                && attemptPartitions(admin, appId).values().stream().noneMatch(Set::isEmpty));
                verdicts = Verdicts.start(stack, serdes, run);

                // When attempts for every account are answered by both routers ...
                Map<Integer, Long> sentAt = new ConcurrentHashMap<>();
                send(attempts, run, accountIds, sentAt, 0, BEFORE);
                Verdicts answers = verdicts;
                await().atMost(Duration.ofSeconds(60)).until(() -> answers.answered() >= BEFORE);
                Set<Integer> partitionsOfA = partitionsOf(attemptPartitions(admin, appId), clientA);
                assertThat(partitionsOfA).as("router A's partitions of call.attempts").isNotEmpty().hasSizeLessThan(Topics.ACCOUNT_PARTITIONS);
                assertThat(routed(ctxB)).as("verdicts by router B before the kill").isPositive().isLessThan(BEFORE);

                // ... and router A is killed (SIGKILL) while attempts stream in
                AtomicInteger streamed = new AtomicInteger();
                ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
                ScheduledFuture<?> stream = pacer.scheduleAtFixedRate(() -> {
                    int i = BEFORE + streamed.get();
                    if (i < BEFORE + STREAMED) {
                        send(attempts, run, accountIds, sentAt, i, i + 1);
                        streamed.incrementAndGet();
                    }
                }, 0, 20, TimeUnit.MILLISECONDS);
                try {
                    await().atMost(Duration.ofSeconds(30)).until(() -> streamed.get() >= KILL_AFTER);
                    assertThat(child.isAlive()).as("router A runs until it is killed").isTrue();
                    double routedByBAtKill = routed(ctxB);
                    long killedAt = System.nanoTime();
                    child.destroyForcibly();
                    assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
                    log.info("router A killed (SIGKILL) at attempt {}; it owned call.attempts partitions {}",
                            BEFORE + streamed.get(), partitionsOfA);
                    await().atMost(Duration.ofSeconds(30)).until(() -> streamed.get() >= STREAMED);
                    int firstAfterKill = firstSentAfter(sentAt, killedAt);
                    List<Integer> orphans = IntStream.range(firstAfterKill, BEFORE + STREAMED)
                            .filter(i -> partitionsOfA.contains(partitionOf(accountIds.get(i % accountIds.size()))))
                            .boxed().toList();
                    assertThat(orphans).as("attempts for A's partitions sent after the kill").hasSizeGreaterThan(50);
                    await("B answers for A's partitions").atMost(Duration.ofSeconds(60))
                            .until(() -> orphans.stream().anyMatch(answers::has));
                    send(attempts, run, accountIds, sentAt, BEFORE + STREAMED, TOTAL);

                    // Then every attempt gets its verdict, on the partition its edge reads
                    await().atMost(Duration.ofSeconds(60)).until(() -> answers.answered() >= TOTAL);
                    Map<String, Answer> all = answers.snapshot();
                    assertThat(all.keySet()).containsExactlyInAnyOrderElementsOf(
                            IntStream.range(0, TOTAL).mapToObj(i -> run + "-" + i).toList());
                    all.forEach((callId, answer) -> {
                        int i = Integer.parseInt(callId.substring(callId.lastIndexOf('-') + 1));
                        RoutingVerdict v = answer.first().value();
                        assertThat(answer.first().partition()).as("partition of %s", callId).isEqualTo(i % 8);
                        assertThat(v.getEdgeId()).isEqualTo("edge-" + (i % 8));
                        assertThat(v.getAccountId()).isEqualTo(accountIds.get(i % accountIds.size()));
                        assertThat(v.getAction()).as(v.getReason()).isEqualTo(VerdictAction.ROUTE);
                        assertThat(v.getDestination()).isEqualTo("+1555" + String.format("%07d", i));
                    });
                    int afterKill = TOTAL - firstAfterKill;
                    assertThat(routed(ctxB) - routedByBAtKill).as("verdicts by B after the kill")
                            .isGreaterThanOrEqualTo(afterKill);

                    // and how long the takeover took
                    long takeover = orphans.stream().mapToLong(i -> all.get(run + "-" + i).receivedAt()).min().orElseThrow() - killedAt;
                    long worstOrphan = orphans.stream().mapToLong(i -> all.get(run + "-" + i).receivedAt() - sentAt.get(i)).max().orElseThrow();
                    long worstOfB = IntStream.range(firstAfterKill, BEFORE + STREAMED).filter(i -> !orphans.contains(i))
                            .mapToLong(i -> all.get(run + "-" + i).receivedAt() - sentAt.get(i)).max().orElseThrow();
                    int repeats = all.values().stream().mapToInt(Answer::count).sum() - TOTAL;
                    log.info("takeover after SIGKILL: first verdict for A's partitions {} ms after the kill (session timeout 6 s); "
                                    + "slowest orphaned attempt answered in {} ms; slowest attempt on B's own partitions {} ms; "
                                    + "{} attempts ({} after the kill), {} repeated verdicts",
                            millis(takeover), millis(worstOrphan), millis(worstOfB), TOTAL, afterKill, repeats);
                    assertThat(Duration.ofNanos(takeover)).as("takeover waits for the session timeout")
                            .isGreaterThan(Duration.ofSeconds(3));
                    assertThat(ctxB.health().check().up()).as("router B healthy").isTrue();
                } finally {
                    stream.cancel(false);
                    pacer.shutdownNow();
                }
            } finally {
                if (verdicts != null) verdicts.close();
                if (a != null && a.isAlive()) a.destroyForcibly();
                if (b != null) b.close();
            }
        }
    }

    /** RouterMain in its own JVM on this test's class path, so that the kill is a real SIGKILL. */
    private static Process startChild(Map<String, String> common, String clientId, Path stateDir) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), RouterMain.class.getName()));
        Map<String, String> s = new HashMap<>(common);
        s.put("router.state.dir", stateDir.toString());
        s.put("router.streams.client.id", clientId);
        s.forEach((k, v) -> command.add("--" + k + "=" + v));
        File out = Path.of("target", "router-kill-child.log").toFile();
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out).start();
    }

    /** The partitions of call.attempts each member of the router group owns, by client id. */
    private static Map<String, Set<Integer>> attemptPartitions(Admin admin, String appId) throws Exception {
        ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(appId)).all().get().get(appId);
        Map<String, Set<Integer>> out = new TreeMap<>();
        for (MemberDescription m : group.members()) {
            out.put(m.clientId(), m.assignment().topicPartitions().stream()
                    .filter(tp -> tp.topic().equals(Topics.CALL_ATTEMPTS.name()))
                    .map(TopicPartition::partition).collect(Collectors.toSet()));
        }
        return out;
    }

    private static Set<Integer> partitionsOf(Map<String, Set<Integer>> byClient, String clientPrefix) {
        return byClient.entrySet().stream().filter(e -> e.getKey().startsWith(clientPrefix))
                .flatMap(e -> e.getValue().stream()).collect(Collectors.toSet());
    }

    private static int partitionOf(String accountId) {
        return Utils.toPositive(Utils.murmur2(accountId.getBytes(StandardCharsets.UTF_8))) % Topics.ACCOUNT_PARTITIONS;
    }

    /** One account id for each partition of call.attempts, in partition order. */
    private static List<String> accountsOnEveryPartition(String run) {
        Map<Integer, String> byPartition = new TreeMap<>();
        for (int i = 0; byPartition.size() < Topics.ACCOUNT_PARTITIONS; i++) {
            String id = "kill-" + run + "-" + i;
            byPartition.putIfAbsent(partitionOf(id), id);
        }
        return List.copyOf(byPartition.values());
    }

    private static int firstSentAfter(Map<Integer, Long> sentAt, long instant) {
        return sentAt.entrySet().stream().filter(e -> e.getValue() - instant > 0).mapToInt(Map.Entry::getKey).min().orElseThrow();
    }

    private static void send(KafkaProducer<String, CallAttempt> producer, String run, List<String> accountIds,
                             Map<Integer, Long> sentAt, int from, int to) {
        for (int i = from; i < to; i++) {
            String accountId = accountIds.get(i % accountIds.size());
            sentAt.put(i, System.nanoTime());
            producer.send(new ProducerRecord<>(Topics.CALL_ATTEMPTS.name(), accountId, CallAttempt.newBuilder()
                    .setCallId(run + "-" + i).setEdgeId("edge-" + (i % 8)).setReplyPartition(i % 8)
                    .setDirection(Direction.OUTBOUND).setAccountId(accountId).setFromUser(accountId)
                    .setDialled("+1555" + String.format("%07d", i)).setReceivedAt(Instant.now()).build()));
        }
        producer.flush();
    }

    private static double routed(ServiceContext ctx) {
        return ctx.metrics().get(RouterService.VERDICTS_METER).tags("action", "ROUTE").counter().count();
    }

    private static long millis(long nanos) { return TimeUnit.NANOSECONDS.toMillis(nanos); }

    /** The first verdict for a call, when this test read it, and how many verdicts it got. */
    private record Answer(ConsumerRecord<String, RoutingVerdict> first, long receivedAt, int count) {}

    /** Reads call.verdicts from its end on a thread of its own, stamping each call's first verdict. */
    private static final class Verdicts implements AutoCloseable {
        private final Map<String, Answer> answers = new ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;
        private final String run;

        private Verdicts(KafkaConsumer<String, RoutingVerdict> consumer, String run) {
            this.run = run;
            thread = Thread.ofPlatform().name("verdict-reader").start(() -> {
                try (consumer) {
                    while (running.get()) {
                        for (ConsumerRecord<String, RoutingVerdict> r : consumer.poll(Duration.ofMillis(20))) {
                            if (!r.key().startsWith(run + "-")) continue;
                            long now = System.nanoTime();
                            answers.merge(r.key(), new Answer(r, now, 1), (old, x) -> new Answer(old.first(), old.receivedAt(), old.count() + 1));
                        }
                    }
                }
            });
        }

        static Verdicts start(LocalStack stack, SerdeConfig serdes, String run) {
            KafkaConsumer<String, RoutingVerdict> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20),
                    new StringDeserializer(), Topics.CALL_VERDICTS.valueSerde(serdes).deserializer());
            List<TopicPartition> partitions = IntStream.range(0, Topics.CALL_VERDICTS.partitions())
                    .mapToObj(p -> new TopicPartition(Topics.CALL_VERDICTS.name(), p)).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            return new Verdicts(consumer, run);
        }

        int answered() { return answers.size(); }

        boolean has(int i) { return answers.containsKey(run + "-" + i); }

        Map<String, Answer> snapshot() { return Map.copyOf(answers); }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(5000);
        }
    }
}
