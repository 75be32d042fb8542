package io.sipstream.billing;

import io.sipstream.avro.Account;
import io.sipstream.avro.BlockDecision;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.CreditChange;
import io.sipstream.avro.DeadLetter;
import io.sipstream.avro.Direction;
import io.sipstream.avro.HangupParty;
import io.sipstream.avro.Rate;
import io.sipstream.avro.RatedCdr;
import io.sipstream.avro.Usage;
import io.sipstream.billing.balances.BalanceState;
import io.sipstream.platform.config.Settings;
import io.sipstream.rating.RateKeys;
import io.sipstream.schemas.Money;
import io.sipstream.schemas.Topics;
import io.sipstream.schemas.serde.SerdeConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;

/** A TopologyTestDriver around the billing topology, with builders for its inputs. */
final class BillingDriver implements AutoCloseable {
    static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");

    final BillingConfig config;
    final TopologyTestDriver driver;
    final TestInputTopic<String, CallEvent> events;
    final TestInputTopic<String, CreditChange> credits;
    final TestInputTopic<String, Account> accounts;
    final TestInputTopic<String, Rate> rates;
    final TestInputTopic<String, byte[]> rawEvents;
    final TestOutputTopic<String, RatedCdr> cdrs;
    final TestOutputTopic<String, Usage> usage;
    final TestOutputTopic<String, BlockDecision> blocks;
    final TestOutputTopic<String, DeadLetter> deadLetters;
    private final String registry;
    private Instant wallClock = T0;
    private final Path stateDir;
    private final Map<String, BlockDecision> lastBlocks = new LinkedHashMap<>();
    private final List<RatedCdr> seenCdrs = new ArrayList<>();
    private final List<DeadLetter> seenDeadLetters = new ArrayList<>();
    private final Map<String, TestOutputTopic<String, byte[]>> changelogs = new HashMap<>();
    private final Map<String, List<org.apache.kafka.streams.KeyValue<String, byte[]>>> seenChangelogs = new HashMap<>();

    BillingDriver() { this(Map.of()); }

    BillingDriver(Map<String, String> settings) {
        registry = "mem://billing-" + UUID.randomUUID();
        try {
            stateDir = Files.createTempDirectory("billing-ttd");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> all = new HashMap<>(Map.of(
                "kafka.bootstrap", "ttd:9092",
                "schema.registry.url", registry,
                "billing.state.dir", stateDir.toString(),
                "billing.interim.grace", "2m",
                "billing.max.call.age", "1h",
                "billing.punctuate.interval", "10s"));
        all.putAll(settings);
        config = BillingConfig.from(Settings.of(all));
        Properties props = BillingStreams.properties(config);
        driver = new TopologyTestDriver(BillingTopology.build(config), props, T0);
        SerdeConfig serdes = config.kafka().serdes();
        StringSerializer ks = new StringSerializer();
        StringDeserializer kd = new StringDeserializer();
        events = driver.createInputTopic(Topics.CALL_EVENTS.name(), ks, Topics.CALL_EVENTS.valueSerde(serdes).serializer());
        credits = driver.createInputTopic(Topics.BILLING_CREDITS.name(), ks, Topics.BILLING_CREDITS.valueSerde(serdes).serializer());
        accounts = driver.createInputTopic(Topics.REGISTRY_ACCOUNTS.name(), ks, Topics.REGISTRY_ACCOUNTS.valueSerde(serdes).serializer());
        rates = driver.createInputTopic(Topics.BILLING_RATES.name(), ks, Topics.BILLING_RATES.valueSerde(serdes).serializer());
        rawEvents = driver.createInputTopic(Topics.CALL_EVENTS.name(), ks, new ByteArraySerializer());
        cdrs = driver.createOutputTopic(Topics.BILLING_CDRS.name(), kd, Topics.BILLING_CDRS.valueSerde(serdes).deserializer());
        usage = driver.createOutputTopic(Topics.BILLING_USAGE.name(), kd, Topics.BILLING_USAGE.valueSerde(serdes).deserializer());
        blocks = driver.createOutputTopic(Topics.BILLING_BLOCKS.name(), kd, Topics.BILLING_BLOCKS.valueSerde(serdes).deserializer());
        deadLetters = driver.createOutputTopic(Topics.DEAD_LETTERS.name(), kd, Topics.DEAD_LETTERS.valueSerde(serdes).deserializer());
    }

    // ---- inputs

    void rate(String deck, String prefix, String price, String currency, int first, int next, String fee) {
        Rate rate = Rate.newBuilder().setDeckId(deck).setPrefix(prefix).setPricePerMinute(Money.parse(price))
                .setCurrency(currency).setFirstIncrement(first).setNextIncrement(next).setConnectionFee(Money.parse(fee)).build();
        rates.pipeInput(RateKeys.key(deck, prefix), rate, T0);
    }

    void rate(String deck, String prefix, String price, int first, int next) { rate(deck, prefix, price, "USD", first, next, "0"); }

    void removeRate(String deck, String prefix) { rates.pipeInput(RateKeys.key(deck, prefix), null, T0); }

    static Account.Builder account(String id) {
        return Account.newBuilder().setAccountId(id).setSipUsername(id).setSipDomain("sipstream.local");
    }

    void account(Account.Builder account) {
        Account a = account.build();
        accounts.pipeInput(a.getAccountId(), a, T0);
    }

    void credit(String accountId, String amount, String currency, String key) {
        credits.pipeInput(accountId, CreditChange.newBuilder().setAccountId(accountId).setIdempotencyKey(key)
                .setAmount(Money.parse(amount)).setCurrency(currency).setCreatedAt(T0).build(), T0);
    }

    Call call(String accountId, String callId, String destination) { return new Call(accountId, callId, destination); }

    void send(CallEvent event) { events.pipeInput(event.getAccountId(), event, event.getOccurredAt()); }

    /** Builds the events of one call, all at offsets (seconds) from T0. */
    final class Call {
        final String accountId;
        final String callId;
        final String destination;
        Direction direction = Direction.OUTBOUND;
        Instant answeredAt;

        Call(String accountId, String callId, String destination) {
            this.accountId = accountId;
            this.callId = callId;
            this.destination = destination;
        }

        Call inbound() { direction = Direction.INBOUND; return this; }

        CallEvent.Builder event(CallEventType type, int sequence, long atSecond) {
            return CallEvent.newBuilder().setEventId(callId + ":" + type + ":" + sequence).setCallId(callId)
                    .setAccountId(accountId).setType(type).setSequence(sequence).setDirection(direction).setEdgeId("edge-0")
                    .setTrunkId("t1").setCallerId("+15551230001").setDestination(destination)
                    .setOccurredAt(T0.plusSeconds(atSecond)).setStartedAt(T0).setAnsweredAt(answeredAt);
        }

        CallEvent attempt() { return event(CallEventType.ATTEMPT, 0, 0).build(); }

        CallEvent answered(long atSecond) {
            answeredAt = T0.plusSeconds(atSecond);
            return event(CallEventType.ANSWERED, 0, atSecond).setAnsweredAt(answeredAt).build();
        }

        CallEvent interim(int sequence, long answeredMillis) {
            long at = answeredAt.toEpochMilli() + answeredMillis;
            return event(CallEventType.INTERIM, sequence, 0).setOccurredAt(Instant.ofEpochMilli(at))
                    .setDurationMillis(answeredMillis).build();
        }

        /** ENDED after {@code answeredMillis} of conversation (0: never answered). */
        CallEvent ended(long answeredMillis, int sipStatus, HangupParty by) {
            Instant end = answeredAt == null ? T0.plusSeconds(20) : answeredAt.plusMillis(answeredMillis);
            return event(CallEventType.ENDED, 0, 0).setOccurredAt(end).setEndedAt(end).setDurationMillis(answeredMillis)
                    .setSipStatus(sipStatus).setHangupBy(by).build();
        }

        CallEvent failed(int sipStatus) {
            return event(CallEventType.FAILED, 0, 5).setEndedAt(T0.plusSeconds(5)).setSipStatus(sipStatus)
                    .setHangupBy(HangupParty.CALLEE).build();
        }

        /** A whole answered call: ATTEMPT, ANSWERED after 5 s, ENDED after {@code millis} of conversation. */
        void talk(long millis) {
            send(attempt());
            send(answered(5));
            send(ended(millis, 200, HangupParty.CALLER));
        }
    }

    // ---- outputs

    List<RatedCdr> cdrs() {
        seenCdrs.addAll(cdrs.readValuesToList());
        return seenCdrs;
    }

    RatedCdr cdr(String callId) {
        return cdrs().stream().filter(c -> c.getCallId().equals(callId)).reduce((a, b) -> {
            throw new AssertionError("two CDRs for " + callId);
        }).orElseThrow(() -> new AssertionError("no CDR for " + callId));
    }

    /** Every block decision since the last call, in order (also remembered as the latest per account). */
    List<BlockDecision> newBlocks() {
        List<BlockDecision> out = new ArrayList<>();
        for (var kv : blocks.readKeyValuesToList()) {
            if (kv.value != null) out.add(kv.value);
            lastBlocks.put(kv.key, kv.value);
        }
        return out;
    }

    BlockDecision block(String accountId) {
        newBlocks();
        return lastBlocks.get(accountId);
    }

    List<DeadLetter> deadLetters() {
        seenDeadLetters.addAll(deadLetters.readValuesToList());
        return seenDeadLetters;
    }

    /** billing.usage since the last call, once the windows billing holds back for its publish interval have gone. */
    Map<String, Usage> usage() {
        advance(config.usagePublishInterval());
        Map<String, Usage> out = new LinkedHashMap<>();
        usage.readKeyValuesToList().forEach(kv -> out.put(kv.key, kv.value));
        return out;
    }

    KeyValueStore<String, BalanceState> balances() { return driver.getKeyValueStore(StoreNames.BALANCES); }

    /** The account's balance where billing keeps it (a postpaid account's is not published at every call). */
    BigDecimal balance(String accountId) {
        BalanceState state = balances().get(accountId);
        if (state == null) throw new AssertionError("billing keeps no balance for " + accountId);
        return state.balance();
    }

    /** The account's calls billing charges live. */
    int liveCalls(String accountId) {
        BalanceState state = balances().get(accountId);
        return state == null ? 0 : state.live.size();
    }

    <V> KeyValueStore<String, V> store(String name) { return driver.getKeyValueStore(name); }

    /** Every record written to a store's changelog so far (a null value is a tombstone). */
    List<org.apache.kafka.streams.KeyValue<String, byte[]>> changelog(String store) {
        String topic = config.applicationId() + "-" + store + "-changelog";
        var out = changelogs.computeIfAbsent(topic,
                t -> driver.createOutputTopic(t, new StringDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer()));
        var seen = seenChangelogs.computeIfAbsent(topic, t -> new ArrayList<>());
        seen.addAll(out.readKeyValuesToList());
        return seen;
    }

    /** The keys deleted from a store so far, as its changelog shows them. */
    List<String> tombstones(String store) {
        return changelog(store).stream().filter(kv -> kv.value == null).map(kv -> kv.key).toList();
    }

    void advance(Duration d) {
        driver.advanceWallClockTime(d);
        wallClock = wallClock.plus(d);
    }

    /** Whether billing remembers the call as finished (so that its late events are ignored). */
    boolean remembersFinished(String accountId, String callId) {
        org.apache.kafka.streams.state.WindowStore<String, Long> closed = driver.getWindowStore(StoreNames.CLOSED_CALLS);
        try (var ended = closed.fetch(accountId + "|" + callId,
                wallClock.minus(config.closedCallRetention()).toEpochMilli(), Long.MAX_VALUE)) {
            return ended.hasNext();
        }
    }

    static BigDecimal money(String text) { return Money.parse(text); }

    @Override
    public void close() {
        driver.close();
        SerdeConfig.dropMemoryScope(registry);
        try (var paths = Files.walk(stateDir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir
        }
    }
}
