package io.sipstream.router.topology;

import io.sipstream.avro.Account;
import io.sipstream.avro.BlockDecision;
import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.DeadLetter;
import io.sipstream.avro.DidBinding;
import io.sipstream.avro.Direction;
import io.sipstream.avro.NumberAssignment;
import io.sipstream.avro.Rate;
import io.sipstream.avro.Route;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.Trunk;
import io.sipstream.platform.deadletter.DeadLetterHandler;
import io.sipstream.schemas.Money;
import io.sipstream.schemas.Topic;
import io.sipstream.schemas.Topics;
import io.sipstream.schemas.serde.SerdeConfig;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

import static org.assertj.core.api.Assertions.assertThat;

/** The router topology in a TopologyTestDriver, with builders for the records the tests feed it. */
final class RouterDriver implements AutoCloseable {
    static final Instant START = Instant.parse("2026-01-05T10:00:00Z");

    final String registryUrl = SerdeConfig.MEMORY_SCHEME + "router-test-" + UUID.randomUUID();
    final SerdeConfig serdes = new SerdeConfig(registryUrl, null, true);
    final TopologyTestDriver driver;
    final TestInputTopic<String, Account> accounts;
    final TestInputTopic<String, NumberAssignment> numbers;
    final TestInputTopic<String, Trunk> trunks;
    final TestInputTopic<String, BlockDecision> blocks;
    final TestInputTopic<String, Rate> rates;
    final TestInputTopic<String, Route> routes;
    final TestInputTopic<String, DidBinding> dids;
    final TestInputTopic<String, CallAttempt> attempts;
    final TestInputTopic<String, CallEvent> events;
    final TestOutputTopic<String, RoutingVerdict> verdicts;
    final TestOutputTopic<String, DeadLetter> deadLetters;
    private final AtomicInteger calls = new AtomicInteger();

    RouterDriver() { this(o -> o); }

    RouterDriver(UnaryOperator<RouterOptions> customise) {
        RouterOptions options = customise.apply(RouterOptions.defaults(serdes));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "router-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl);
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0L);
        driver = new TopologyTestDriver(RouterTopology.build(options), props, START);
        accounts = input(Topics.REGISTRY_ACCOUNTS);
        numbers = input(Topics.REGISTRY_NUMBERS);
        trunks = input(Topics.REGISTRY_TRUNKS);
        blocks = input(Topics.BILLING_BLOCKS);
        rates = input(Topics.BILLING_RATES);
        routes = input(Topics.REGISTRY_ROUTES);
        dids = input(Topics.REGISTRY_DIDS);
        attempts = input(Topics.CALL_ATTEMPTS);
        events = input(Topics.CALL_EVENTS);
        verdicts = output(Topics.CALL_VERDICTS);
        deadLetters = output(Topics.DEAD_LETTERS);
    }

    private <V extends SpecificRecord> TestInputTopic<String, V> input(Topic<V> topic) {
        return driver.createInputTopic(topic.name(), new StringSerializer(), topic.valueSerde(serdes).serializer(), START,
                java.time.Duration.ZERO);
    }

    private <V extends SpecificRecord> TestOutputTopic<String, V> output(Topic<V> topic) {
        return driver.createOutputTopic(topic.name(), new StringDeserializer(), topic.valueSerde(serdes).deserializer());
    }

    // ---- registry and billing records

    /**
     * An account of the registry. It may call unrated destinations ({@code allowUnratedCalls}), so
     * that the tests of everything but rating need no rate deck; the tests of rating say otherwise.
     */
    static Account.Builder account(String id) {
        return Account.newBuilder()
                .setAllowUnratedCalls(true)
                .setAccountId(id)
                .setSipUsername(id)
                .setSipDomain("sipstream.local")
                .setRegion("US")
                .setDefaultCallerId("+15551230001")
                .setNumbers(List.of("+15551230001"))
                .setOutboundTrunk("t1");
    }

    static Trunk.Builder trunk(String id) {
        return Trunk.newBuilder().setTrunkId(id).setHost("10.0.0." + (id.hashCode() & 0x7f)).setPort(5060);
    }

    void put(Account.Builder account) {
        Account a = account.build();
        accounts.pipeInput(a.getAccountId(), a);
    }

    void put(Trunk.Builder trunk) {
        Trunk t = trunk.build();
        trunks.pipeInput(t.getTrunkId(), t);
    }

    void assign(String number, String accountId) {
        numbers.pipeInput(number, NumberAssignment.newBuilder().setNumber(number).setAccountId(accountId).build());
    }

    void put(Route.Builder route) {
        Route r = route.build();
        routes.pipeInput(r.getRouteId(), r);
    }

    void bind(String number, String trunkId) {
        dids.pipeInput(number, DidBinding.newBuilder().setNumber(number).setTrunkId(trunkId).build());
    }

    void block(String accountId, boolean blocked, boolean prepaid, String balance, String livePerMinute) {
        blocks.pipeInput(accountId, BlockDecision.newBuilder()
                .setAccountId(accountId)
                .setBlocked(blocked)
                .setPrepaid(prepaid)
                .setBalance(Money.of(new BigDecimal(balance)))
                .setCurrency("USD")
                .setLivePerMinute(Money.of(new BigDecimal(livePerMinute)))
                .setDecidedAt(START)
                .build());
    }

    void rate(String deck, String prefix, String perMinute) {
        put(rateRow(deck, prefix, perMinute));
    }

    /** A rate row in USD, 60/60 increments and no connection fee (the schema's defaults) unless the test says otherwise. */
    static Rate.Builder rateRow(String deck, String prefix, String perMinute) {
        return Rate.newBuilder()
                .setDeckId(deck).setPrefix(prefix).setPricePerMinute(Money.of(new BigDecimal(perMinute))).setCurrency("USD");
    }

    void put(Rate.Builder rate) {
        Rate r = rate.build();
        rates.pipeInput(r.getDeckId() + ":" + r.getPrefix(), r);
    }

    // ---- calls

    CallAttempt.Builder outbound(String accountId, String dialled) {
        return CallAttempt.newBuilder()
                .setCallId("call-" + calls.incrementAndGet())
                .setEdgeId("edge-0")
                .setReplyPartition(0)
                .setDirection(Direction.OUTBOUND)
                .setAccountId(accountId)
                .setFromUser(accountId)
                .setDialled(dialled)
                .setReceivedAt(START);
    }

    CallAttempt.Builder inbound(String dialled, String from) {
        return CallAttempt.newBuilder()
                .setCallId("call-" + calls.incrementAndGet())
                .setEdgeId("edge-0")
                .setReplyPartition(0)
                .setDirection(Direction.INBOUND)
                .setSourceTrunkId("t1")
                .setFromUser(from)
                .setDialled(dialled)
                .setReceivedAt(START);
    }

    /** Sends an attempt keyed as the edge keys it and returns the one verdict it gets. */
    RoutingVerdict decide(CallAttempt.Builder attempt) {
        CallAttempt a = attempt.build();
        attempts.pipeInput(a.getDirection() == Direction.INBOUND ? a.getDialled() : a.getAccountId(), a);
        List<org.apache.kafka.streams.test.TestRecord<String, RoutingVerdict>> out = verdicts.readRecordsToList();
        assertThat(out).as("verdicts for %s", a.getCallId()).hasSize(1);
        assertThat(out.getFirst().key()).isEqualTo(a.getCallId());
        return out.getFirst().value();
    }

    /** call.events as bytes, for values that are not events. */
    TestInputTopic<String, byte[]> rawEvents() {
        return driver.createInputTopic(Topics.CALL_EVENTS.name(), new StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer());
    }

    void event(String accountId, String callId, CallEventType type) { event(accountId, callId, type, null); }

    /** An event of a call on a trunk (the edge names the trunk it dialled last). */
    void event(String accountId, String callId, CallEventType type, String trunkId) {
        events.pipeInput(accountId, CallEvent.newBuilder()
                .setEventId(callId + ":" + type + ":0")
                .setCallId(callId)
                .setAccountId(accountId)
                .setType(type)
                .setDirection(Direction.OUTBOUND)
                .setTrunkId(trunkId)
                .setOccurredAt(START)
                .setStartedAt(START)
                .build());
    }

    @Override
    public void close() {
        driver.close();
        SerdeConfig.dropMemoryScope(registryUrl);
    }
}
