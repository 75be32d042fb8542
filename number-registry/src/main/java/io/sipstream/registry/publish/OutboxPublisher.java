package io.sipstream.registry.publish;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sipstream.platform.health.HealthRegistry;
import io.sipstream.registry.store.OutboxEntry;
import io.sipstream.registry.store.RegistryStore;
import io.sipstream.registry.store.RegistryStore.RedisUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains the Redis outbox to the registry topics, in order, with an idempotent acks=all producer.
 * An entry leaves the outbox only after the broker acknowledged it, so a Kafka outage only delays
 * publishing and a crash at worst publishes an entry twice (the same record: harmless on a
 * compacted topic). One instance drains at a time (a lease in Redis), so several registry
 * instances on one Redis never reorder each other's changes.
 *
 * <p>Before draining, and again whenever Redis was unreachable or lost its data, it runs the
 * {@link Reconciler}, so the topics converge to exactly what Redis holds.
 */
public final class OutboxPublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutboxPublisher.class);
    private static final long LEASE_MS = 15_000;
    private static final Duration IDLE_WAIT = Duration.ofSeconds(1);
    private static final Duration PROBE_EVERY = Duration.ofSeconds(10);

    /** What the publisher needs from Kafka: a producer, a probe, the topic set-up. */
    public interface Kafka {
        Producer<String, byte[]> newProducer();
        /** Throws when the cluster does not answer. */
        void probe();
        void ensureTopics();
        /** Gets the schema ids of the values it publishes; throws while the Schema Registry cannot give them. */
        void resolveSchemaIds();
    }

    private final RegistryStore store;
    private final Kafka kafka;
    private final Function<String, Function<SpecificRecord, byte[]>> serializers; // by topic
    private final Supplier<Reconciler.Result> reconcile;
    private final String sipDomain;
    private final int batch;
    private final Duration maxBackoff;
    private final String holder = UUID.randomUUID().toString();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final AtomicLong depth = new AtomicLong();
    private final Counter failures;
    private final MeterRegistry metrics;
    private final Thread thread;

    /** Entries acknowledged by the broker (or dropped) but not yet removed from the outbox, by id. */
    private final Set<String> acked = new HashSet<>();
    /** The highest sequence number acknowledged per topic|key, so a retry never publishes an older change after a newer one. */
    private final Map<String, Long> lastAckedByKey = new HashMap<>();

    private volatile boolean running = true;
    private volatile boolean signalled;
    private volatile String problem = "starting";
    private volatile boolean leader;
    private volatile long publishedTotal;
    private boolean topicsReady;
    private boolean reconcileNeeded = true;
    private long lastProbeNanos;
    private Producer<String, byte[]> producer;

    public OutboxPublisher(RegistryStore store, Kafka kafka, Function<String, Function<SpecificRecord, byte[]>> serializers,
                           Supplier<Reconciler.Result> reconcile, String sipDomain, int batch, Duration maxBackoff,
                           MeterRegistry metrics) {
        this.store = store;
        this.kafka = kafka;
        this.serializers = serializers;
        this.reconcile = reconcile;
        this.sipDomain = sipDomain;
        this.batch = batch;
        this.maxBackoff = maxBackoff;
        this.metrics = metrics;
        Gauge.builder("sipstream.registry.outbox.depth", depth, AtomicLong::get)
                .description("changes in the Redis outbox waiting to be published").register(metrics);
        Gauge.builder("sipstream.registry.publisher.leader", this, p -> p.leader ? 1 : 0)
                .description("1 when this instance drains the outbox").register(metrics);
        this.failures = Counter.builder("sipstream.registry.publish.failures")
                .description("publish rounds that failed (Kafka, Schema Registry or Redis unreachable)").register(metrics);
        this.thread = Thread.ofPlatform().name("registry-outbox-publisher").daemon().unstarted(this::loop);
    }

    public OutboxPublisher start() {
        thread.start();
        return this;
    }

    /** Called after each commit: publish now rather than at the next poll. */
    public void wake() {
        lock.lock();
        try {
            signalled = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public long depth() { return depth.get(); }

    public long publishedTotal() { return publishedTotal; }

    /** Up while the last round reached Kafka (or another instance drains); the detail says what is wrong. */
    public HealthRegistry.Status health() {
        String p = problem;
        String detail = (leader ? "publishing" : "standby: another instance drains the outbox") + ", outbox depth " + depth.get();
        return p == null ? HealthRegistry.Status.up(detail) : HealthRegistry.Status.down(p + "; " + detail);
    }

    private void loop() {
        int failuresInRow = 0;
        while (running) {
            try {
                round();
                failuresInRow = 0;
            } catch (Exception e) {
                if (!running) break;
                failuresInRow++;
                failures.increment();
                boolean redis = e instanceof RedisUnavailableException;
                problem = (redis ? "redis: " : "kafka: ") + rootMessage(e);
                if (redis) reconcileNeeded = true; // Redis may come back with other data: check it all again
                if (failuresInRow == 1 || failuresInRow % 20 == 0) {
                    log.warn("registry publisher: {} (attempt {}; will retry)", problem, failuresInRow);
                }
                closeProducer();
                pause(Duration.ofMillis(Math.min(maxBackoff.toMillis(), 100L << Math.min(failuresInRow, 10))));
            }
        }
        closeProducer();
    }

    private void round() throws Exception {
        if (!store.holdLease(holder, LEASE_MS)) {
            leader = false;
            problem = null;
            depth.set(store.outboxDepth());
            pause(Duration.ofMillis(LEASE_MS / 3));
            return;
        }
        leader = true;
        if (!topicsReady) {
            kafka.ensureTopics();
            kafka.resolveSchemaIds(); // before the first record, and before the publisher reports up
            topicsReady = true;
        }
        if (reconcileNeeded || !store.exists(store.epochKey())) {
            reconcile.get();
            reconcileNeeded = false;
        }
        List<String> raw = store.peekOutbox(batch);
        depth.set(store.outboxDepth());
        if (raw.isEmpty()) {
            if (System.nanoTime() - lastProbeNanos > PROBE_EVERY.toNanos() || problem != null) {
                kafka.probe();
                lastProbeNanos = System.nanoTime();
            }
            problem = null;
            pause(IDLE_WAIT);
            return;
        }
        publish(raw);
        problem = null;
        lastProbeNanos = System.nanoTime();
        depth.set(store.outboxDepth());
    }

    private void publish(List<String> raw) throws Exception {
        if (producer == null) producer = kafka.newProducer();
        List<String> ids = new ArrayList<>();
        List<Long> seqs = new ArrayList<>();
        List<String> recordKeys = new ArrayList<>();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        Exception failure = null;
        try {
            for (String line : raw) {
                String id = OutboxEntry.idOf(line);
                if (acked.contains(id)) continue;
                OutboxEntry entry;
                try {
                    entry = OutboxEntry.parse(line);
                } catch (RuntimeException corrupt) {
                    log.error("dropping an outbox entry that cannot be read: {}", corrupt.getMessage());
                    metrics.counter("sipstream.registry.outbox.dropped").increment();
                    acked.add(id);
                    continue;
                }
                long seq = entry.seq();
                String recordKey = entry.topic() + "|" + entry.key();
                Long newer = lastAckedByKey.get(recordKey);
                if (newer != null && newer > seq) { // a later change of this key already reached the topic
                    ack(id, seq, recordKey);
                    continue;
                }
                SpecificRecord record;
                try {
                    record = AvroRecords.of(entry, sipDomain);
                } catch (RuntimeException poison) {
                    // a stored document no record can represent: skipping it beats blocking every later change
                    log.error("dropping outbox entry {} ({} {}): it does not map to an Avro record: {}",
                            seq, entry.topic(), entry.key(), poison.toString());
                    metrics.counter("sipstream.registry.outbox.dropped").increment();
                    ack(id, seq, recordKey);
                    continue;
                }
                byte[] value = record == null ? null : serializers.apply(entry.topic()).apply(record);
                sent.add(producer.send(new ProducerRecord<>(entry.topic(), entry.key(), value)));
                ids.add(id);
                seqs.add(seq);
                recordKeys.add(recordKey);
            }
        } catch (Exception e) {
            failure = e; // e.g. the Schema Registry is down: what was sent so far still counts
        }
        producer.flush();
        for (int i = 0; i < sent.size(); i++) {
            try {
                sent.get(i).get();
                ack(ids.get(i), seqs.get(i), recordKeys.get(i));
                publishedTotal++;
                metrics.counter("sipstream.registry.published.records", "topic", recordKeys.get(i).substring(0, recordKeys.get(i).indexOf('|'))).increment();
            } catch (ExecutionException e) {
                if (failure == null) failure = (Exception) (e.getCause() instanceof Exception c ? c : e);
            }
        }
        // remove the acknowledged head of the outbox; an unacknowledged entry and all after it stay
        List<String> done = new ArrayList<>();
        for (String line : raw) {
            String id = OutboxEntry.idOf(line);
            if (!acked.contains(id)) break;
            done.add(id);
        }
        if (!done.isEmpty()) {
            store.trimOutbox(done);
            done.forEach(acked::remove);
            if (acked.isEmpty()) lastAckedByKey.clear();
        }
        if (failure != null) throw failure;
    }

    private void ack(String id, long seq, String recordKey) {
        acked.add(id);
        lastAckedByKey.merge(recordKey, seq, Math::max);
    }

    private void pause(Duration duration) {
        lock.lock();
        try {
            if (!signalled && running) wake.awaitNanos(duration.toNanos());
            signalled = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } finally {
            lock.unlock();
        }
    }

    private void closeProducer() {
        if (producer == null) return;
        try {
            producer.close(Duration.ZERO);
        } catch (RuntimeException e) {
            log.debug("closing the publisher's producer: {}", e.toString());
        }
        producer = null;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** Stops draining (what is left stays in the outbox for the next start) and hands the lease on. */
    @Override
    public void close() {
        running = false;
        wake();
        try {
            thread.join(Duration.ofSeconds(20));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (leader) store.releaseLease(holder);
        } catch (RuntimeException e) {
            log.debug("releasing the publisher lease: {}", e.toString());
        }
    }
}
