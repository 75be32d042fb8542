package io.sipstream.edge.support;

import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.TargetKind;
import io.sipstream.avro.VerdictAction;
import io.sipstream.platform.kafka.KafkaSettings;
import io.sipstream.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Plays the router through the real broker: reads call.attempts and answers each with the
 * verdict the test's policy gives, on the partition the attempt names. A null verdict is no answer.
 */
public final class FakeRouter implements AutoCloseable {
    private final KafkaConsumer<String, CallAttempt> consumer;
    private final KafkaProducer<String, RoutingVerdict> producer;
    private final BlockingQueue<CallAttempt> attempts = new LinkedBlockingQueue<>();
    private final List<CallAttempt> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Function<CallAttempt, RoutingVerdict> policy = a -> null;

    private final int replyPartition;

    /** Answers only the attempts of the edge that reads {@code replyPartition} (other edges may share the broker). */
    public FakeRouter(KafkaSettings kafka, int replyPartition) {
        this.replyPartition = replyPartition;
        Map<String, Object> c = new HashMap<>(kafka.common());
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        consumer = new KafkaConsumer<>(c, new StringDeserializer(), Topics.CALL_ATTEMPTS.valueSerde(kafka.serdes()).deserializer());
        producer = new KafkaProducer<>(kafka.lowLatencyProducer("fake-router"), new StringSerializer(),
                Topics.CALL_VERDICTS.valueSerde(kafka.serdes()).serializer());
        List<TopicPartition> tps = consumer.partitionsFor(Topics.CALL_ATTEMPTS.name(), Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(tps);
        consumer.seekToEnd(tps);
        tps.forEach(tp -> consumer.position(tp, Duration.ofSeconds(30)));
        thread = new Thread(this::run, "fake-router");
        thread.setDaemon(true);
        thread.start();
    }

    public void policy(Function<CallAttempt, RoutingVerdict> policy) { this.policy = policy; }

    private void run() {
        try {
            while (running) {
                for (var r : consumer.poll(Duration.ofMillis(100))) {
                    CallAttempt a = r.value();
                    if (a.getReplyPartition() != replyPartition) continue;
                    attempts.add(a);
                    seen.add(a);
                    RoutingVerdict v = policy.apply(a);
                    if (v != null) {
                        producer.send(new ProducerRecord<>(Topics.CALL_VERDICTS.name(), a.getReplyPartition(), a.getCallId(), v));
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // closing
        } finally {
            consumer.close();
        }
    }

    /** The next attempt for a call id (others are skipped). */
    public CallAttempt awaitAttempt(String callId, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            CallAttempt a = attempts.poll(50, TimeUnit.MILLISECONDS);
            if (a != null && (callId == null || CallIdMatch.matches(a.getCallId(), callId))) return a;
        }
        throw new AssertionError("no CallAttempt for " + callId + " within " + timeout);
    }

    public void clear() { attempts.clear(); }

    /** Every attempt this router has read for a call id (or a redirect of it), clear() or not. */
    public List<CallAttempt> attemptsOf(String callId) {
        return seen.stream().filter(a -> CallIdMatch.matches(a.getCallId(), callId) || CallIdMatch.matches(a.getRedirectOf(), callId)).toList();
    }

    /** Sends a verdict of the test's own, whenever the test wants (a router answering late). */
    public void answer(RoutingVerdict verdict) throws Exception {
        producer.send(new ProducerRecord<>(Topics.CALL_VERDICTS.name(), replyPartition, verdict.getCallId(), verdict)).get();
    }

    public static RouteTarget trunk(String trunkId, String requestUri, String fromUser) {
        return RouteTarget.newBuilder().setKind(TargetKind.TRUNK).setTrunkId(trunkId).setRequestUri(requestUri).setFromUser(fromUser).build();
    }

    public static RouteTarget registered(String accountId) {
        return RouteTarget.newBuilder().setKind(TargetKind.REGISTERED).setAccountId(accountId).setRequestUri("").build();
    }

    public static RouteTarget uri(String requestUri) {
        return RouteTarget.newBuilder().setKind(TargetKind.URI).setRequestUri(requestUri).build();
    }

    public static RoutingVerdict.Builder route(CallAttempt a, RouteTarget... targets) {
        return RoutingVerdict.newBuilder().setCallId(a.getCallId()).setEdgeId(a.getEdgeId())
                .setAccountId(a.getAccountId()).setAction(VerdictAction.ROUTE).setSipStatus(0)
                .setCallerId("+15551230001").setDestination("+15557654321")
                .setTargets(List.of(targets)).setDecidedAt(Instant.now());
    }

    public static RoutingVerdict reject(CallAttempt a, int status, String reason) {
        return RoutingVerdict.newBuilder().setCallId(a.getCallId()).setEdgeId(a.getEdgeId()).setAccountId(a.getAccountId())
                .setAction(VerdictAction.REJECT).setSipStatus(status).setReason(reason).setTargets(List.of())
                .setDecidedAt(Instant.now()).build();
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(2));
    }
}
