package io.sipstream.edge.bus;

import io.micrometer.core.instrument.MeterRegistry;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.Trunk;
import io.sipstream.edge.call.AccountBlocks;
import io.sipstream.edge.call.AttemptSink;
import io.sipstream.edge.call.CallDialogs;
import io.sipstream.edge.call.CallEventSink;
import io.sipstream.edge.call.CallRegistry;
import io.sipstream.edge.overload.Backlog;
import io.sipstream.edge.trunk.TrunkDirectory;
import io.sipstream.platform.health.HealthRegistry.Status;
import io.sipstream.platform.kafka.KafkaSettings;
import io.sipstream.platform.metrics.KafkaClientMeters;
import io.sipstream.schemas.SchemaIds;
import io.sipstream.schemas.TopicBootstrapper;
import io.sipstream.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's Kafka boundary. Out: attempts to call.attempts ({@link #attempts}) and call events to
 * call.events through the call journal ({@link #events}). In: this edge's partition of call.verdicts
 * (continues the calls), billing.blocks ({@link #blocks}; ends a blocked account's calls) and
 * registry.trunks (into the {@link TrunkDirectory}). The SIP code sees only the interfaces of
 * io.sipstream.edge.call; each follower calls into the calls on its own thread, as the verdict
 * consumer always has (no hand-off per call).
 *
 * <p>{@link #start} returns with the schema ids of what it writes got from the registry, the calls a
 * previous run lost reported (their dialogs, to be hung up, in {@link #lostCallDialogs}), the verdict
 * partition positioned and the trunk and block tables read.
 */
public final class EdgeBus implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EdgeBus.class);
    private static final Duration CATCH_UP = Duration.ofSeconds(30);

    /** What goes out: the event sink, its publisher and the journal, closed in that order. */
    private final Deque<AutoCloseable> outbound = new ArrayDeque<>();
    /** What comes in, and the attempts' producer: closed by {@link #stopFollowing}. */
    private final Deque<AutoCloseable> following = new ArrayDeque<>();
    private final BlockedAccounts blocks = new BlockedAccounts();
    private CallJournal journal;
    private KafkaCallEventPublisher publisher;
    private JournalledEventSink events;
    private TopicFollower<Trunk> trunkFollower;
    private AttemptPublisher attempts;
    private VerdictConsumer verdicts;
    private BlockListener blockListener;
    private List<CallDialogs> lostCallDialogs = List.of();

    private EdgeBus() {}

    /**
     * Opens the edge's producers and followers. {@code edgeId} names the clients and picks the verdict
     * partition; {@code verdictTimeout} bounds how long an attempt may wait for the broker;
     * {@code createTopics} creates and verifies every topic first; {@code eventsQueueCapacity} bounds the call
     * events waiting for the journal, and again those waiting for Kafka one by one.
     */
    public static EdgeBus start(KafkaSettings kafka, int edgeId, boolean createTopics, Path journalDir, int eventsQueueCapacity,
                                Duration verdictTimeout, CallRegistry calls, TrunkDirectory trunks) throws Exception {
        EdgeBus bus = new EdgeBus();
        try {
            bus.open(kafka, edgeId, createTopics, journalDir, eventsQueueCapacity, verdictTimeout, calls, trunks);
            return bus;
        } catch (Exception e) {
            bus.close();
            throw e;
        }
    }

    private void open(KafkaSettings kafka, int edgeId, boolean createTopics, Path journalDir, int eventsQueueCapacity,
                      Duration verdictTimeout, CallRegistry calls, TrunkDirectory trunks) throws Exception {
        String edge = Integer.toString(edgeId);
        String clientPrefix = "sip-edge-" + edge;
        if (createTopics) {
            try (Admin admin = kafka.admin()) {
                new TopicBootstrapper(admin, kafka.replicationFactor()).ensureAll();
            }
        }
        // before the first call (and the lost calls' events): no call waits on the Schema Registry
        SchemaIds.resolveAll(kafka.serdes(), SchemaIds.of(Topics.CALL_ATTEMPTS, Topics.CALL_EVENTS));

        // calls a previous run lost get their closing events before anything new happens
        journal = new CallJournal(journalDir);
        outbound.push(journal::close); // after the publisher: its last acknowledgements forget calls
        publisher = new KafkaCallEventPublisher(kafka, clientPrefix + "-events");
        outbound.push(publisher);
        var lost = journal.recoverLostCalls(edge);
        lostCallDialogs = journal.lostCallDialogs(); // before the closing events, which drop them
        journal.batch(() -> lost.forEach(journal::record));
        for (CallEvent e : lost) publisher.publish(e, () -> journal.forget(e));
        publisher.flush();
        if (!lost.isEmpty()) log.warn("reported {} calls lost by the previous run as ended", lost.size());
        events = new JournalledEventSink(publisher, journal, JournalledEventSink.RETRY_DELAY, eventsQueueCapacity);
        outbound.push(events);

        trunkFollower = new TopicFollower<>(clientPrefix + "-trunks", kafka, Topics.REGISTRY_TRUNKS, null,
                TopicFollower.StartAt.BEGINNING, trunks::apply);
        following.push(trunkFollower);
        trunkFollower.start(CATCH_UP);
        attempts = new AttemptPublisher(kafka, clientPrefix + "-attempts", verdictTimeout);
        following.push(attempts);
        verdicts = new VerdictConsumer(kafka, edgeId, clientPrefix + "-verdicts", calls);
        following.push(verdicts);
        verdicts.start();
        blockListener = new BlockListener(kafka, clientPrefix + "-blocks", blocks, calls);
        following.push(blockListener);
        blockListener.start(CATCH_UP);
    }

    /**
     * The dialogs of the answered calls the previous run left up (it crashed): the SIP side hangs them up once
     * it listens. Billing already has their ENDED from {@link #start}.
     */
    public List<CallDialogs> lostCallDialogs() { return lostCallDialogs; }

    /**
     * The Kafka clients' own meters ({@code kafka_producer_*}, {@code kafka_consumer_*} by client id), each
     * taken off before its client closes.
     */
    public void bindMetrics(MeterRegistry registry) {
        outbound.push(KafkaClientMeters.bind(registry, publisher.client()));
        following.push(KafkaClientMeters.bind(registry, attempts.client()));
        following.push(KafkaClientMeters.bind(registry, trunkFollower.client()));
        following.push(KafkaClientMeters.bind(registry, verdicts.follower().client()));
        following.push(KafkaClientMeters.bind(registry, blockListener.follower().client()));
    }

    /** Where calls ask the router (call.attempts). */
    public AttemptSink attempts() { return attempts; }

    /** Where calls report (call.events, journalled first). */
    public CallEventSink events() { return events; }

    /** The call events' queue to the journal: nearly full, it refuses new calls. */
    public Backlog eventBacklog() { return events; }

    /** Call events journalled and not yet acknowledged by Kafka (a call whose events wait coalesced counts one). */
    public int eventsUnpublished() { return events == null ? 0 : events.unpublished(); }

    /** The accounts billing has blocked. */
    public AccountBlocks blocks() { return blocks; }

    /** Records in the journal that its live calls are alive now: a lost call is ended at the last beat. */
    public void heartbeat(long nowMillis) { events.heartbeat(nowMillis); }

    /** Calls the journal holds: live, or ended and not yet acknowledged by Kafka. */
    public int journalledCalls() { return journal == null ? 0 : journal.liveCalls(); }

    /**
     * Up when every follower polls, attempts are delivered, and call events are: down while journalled events have
     * waited {@link CallEventRelay#STALLED} with none delivered (a broker outage), with how many wait.
     */
    public Status health() {
        Map<String, Boolean> parts = new LinkedHashMap<>();
        parts.put("verdicts", verdicts.healthy());
        parts.put("trunks", trunkFollower.healthy());
        parts.put("blocks", blockListener.healthy());
        parts.put("attempts", attempts.healthy());
        Duration stalled = events.stalledFor();
        parts.put("events", stalled.isZero());
        String detail = parts.toString();
        if (!stalled.isZero()) {
            detail += "; " + events.unpublished() + " call events unpublished, none delivered for " + stalled.toSeconds() + " s";
        }
        return new Status(!parts.containsValue(false), detail);
    }

    /**
     * Stops the followers and the attempts' producer: no verdict or block reaches a call any more.
     * The events stay open, so the calls a stop ends still report it; {@link #close} closes them.
     */
    public void stopFollowing() { closeAll(following); }

    @Override
    public void close() {
        closeAll(following);
        closeAll(outbound);
    }

    private static void closeAll(Deque<AutoCloseable> closers) {
        while (!closers.isEmpty()) {
            try {
                closers.pop().close();
            } catch (Exception e) {
                log.warn("sip-edge did not stop cleanly: {}", e.toString());
            }
        }
    }
}
