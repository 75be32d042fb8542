package io.sipstream.billing.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.Usage;
import io.sipstream.avro.UsagePeriod;
import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.balances.LiveCharge;
import io.sipstream.billing.calls.CallState;
import io.sipstream.rating.RateSnapshot;
import io.sipstream.schemas.Money;
import io.sipstream.schemas.Topics;
import io.sipstream.schemas.registry.InMemorySchemaRegistryClient;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

/** What {@link RememberingSerde} saves (counted on the serde it wraps), and that what it hands out is what decoding gives. */
class RememberingSerdeTest {
    private static final String CHANGELOG = "sipstream-billing-usage-changelog";
    private static final String TOPIC = Topics.BILLING_USAGE.name();

    private final Serde<Usage> avro = Topics.BILLING_USAGE.valueSerde(new InMemorySchemaRegistryClient());

    @Test
    void shouldEncodeARecordOnceForItsStoreAndTheTopicItIsSentTo() {
        Counting<Usage> inner = new Counting<>(avro, Map.of());
        Serializer<Usage> serializer = RememberingSerde.records(inner, 100).serializer();
        Usage window = usage(3);
        serializer.serialize(TOPIC, usage(1)); // the topic's schema id, once

        byte[] stored = serializer.serialize(CHANGELOG, window);
        byte[] sent = serializer.serialize(TOPIC, window);
        assertThat(inner.encoded.get()).as("one to learn the topic's schema id, then the window once").isEqualTo(2);
        assertThat(sent).as("the bytes a serializer of its own writes to billing.usage").isEqualTo(avro.serializer().serialize(TOPIC, window));
        assertThat(stored).isEqualTo(avro.serializer().serialize(CHANGELOG, window));
    }

    @Test
    void shouldPutTheBodyUnderTheOtherTopicsSchemaIdWhereTheIdsDiffer() {
        Counting<Usage> inner = new Counting<>(avro, Map.of(CHANGELOG, 7, TOPIC, 300_000));
        Serializer<Usage> serializer = RememberingSerde.records(inner, 0).serializer();
        serializer.serialize(TOPIC, usage(1));
        Usage window = usage(3);
        serializer.serialize(CHANGELOG, window);
        byte[] sent = serializer.serialize(TOPIC, window);
        assertThat(inner.encoded.get()).isEqualTo(2);
        assertThat(sent).isEqualTo(inner.serializer().serialize(TOPIC, window));
    }

    @Test
    void shouldEncodeAnInstanceAgainForTheSameTopicAndAnyOtherInstanceAlways() {
        Counting<Usage> inner = new Counting<>(avro, Map.of());
        Serializer<Usage> serializer = RememberingSerde.records(inner, 100).serializer();
        serializer.serialize(TOPIC, usage(1));
        Usage window = usage(3);
        serializer.serialize(CHANGELOG, window);
        window.setCalls(4L); // not what billing does (a stored record is never changed), but safe where it is written again
        assertThat(serializer.serialize(CHANGELOG, window)).isEqualTo(avro.serializer().serialize(CHANGELOG, window));
        serializer.serialize(TOPIC, usage(4)); // equal, but another instance
        assertThat(inner.encoded.get()).isEqualTo(4);
    }

    @Test
    void shouldNotDecodeBytesItWroteOrReadBefore() {
        Counting<Usage> inner = new Counting<>(avro, Map.of());
        Serde<Usage> serde = RememberingSerde.records(inner, 100);
        Usage window = usage(3);
        byte[] written = serde.serializer().serialize(CHANGELOG, window);
        assertThat(serde.deserializer().deserialize(CHANGELOG, written.clone())).isEqualTo(window);

        byte[] other = avro.serializer().serialize(CHANGELOG, usage(5)); // written by another instance: decoded once
        assertThat(serde.deserializer().deserialize(CHANGELOG, other).getCalls()).isEqualTo(5);
        assertThat(serde.deserializer().deserialize(CHANGELOG, other.clone()).getCalls()).isEqualTo(5);
        assertThat(inner.decoded.get()).isEqualTo(1);
        assertThat(serde.deserializer().deserialize(CHANGELOG, null)).isNull();
    }

    @Test
    void shouldStartAgainWhenFull() {
        Counting<Usage> inner = new Counting<>(avro, Map.of());
        RememberingSerde<Usage> serde = RememberingSerde.records(inner, 3);
        for (int i = 0; i < 10; i++) {
            serde.serializer().serialize(CHANGELOG, usage(i));
            assertThat(serde.remembered()).isBetween(1, 3);
        }
    }

    @Test
    void shouldHandOutABalanceAsItsOwnCopyEqualToWhatDecodingGives() {
        Counting<BalanceState> inner = new Counting<>(StateSerde.balances(), Map.of());
        Serde<BalanceState> serde = RememberingSerde.state(inner, StateCodecs::copyBalance, 100);
        BalanceState balance = odd(StateSerdeTest.fullBalance());
        byte[] bytes = serde.serializer().serialize(CHANGELOG, balance);
        balance.live.clear(); // the writer goes on changing its instance: what was written stays

        BalanceState first = serde.deserializer().deserialize(CHANGELOG, bytes);
        BalanceState decoded = StateSerde.balances().deserializer().deserialize(CHANGELOG, bytes);
        assertThat(first).usingRecursiveComparison().isEqualTo(decoded);
        assertThat(first.credits).isEqualTo(decoded.credits); // the scale too: BigDecimal.equals
        first.live.get("c1").cost = Money.parse("9");
        first.unpublishedUsageHours.add(1L);
        assertThat(serde.deserializer().deserialize(CHANGELOG, bytes)).usingRecursiveComparison().isEqualTo(decoded);
        assertThat(inner.decoded.get()).isZero();
    }

    @Test
    void shouldHandOutACallStateAsItsOwnCopyEqualToWhatDecodingGives() {
        Counting<CallState> inner = new Counting<>(StateSerde.calls(), Map.of());
        Serde<CallState> serde = RememberingSerde.state(inner, StateCodecs::copyCall, 100);
        CallState call = StateSerdeTest.fullCall();
        call.rate = new RateSnapshot("deck-1", "44", new BigDecimal("0.5"), new BigDecimal("0"), "USD", 30, 6);
        byte[] bytes = serde.serializer().serialize(CHANGELOG, call);
        call.seenEvents.add("c1:ENDED:0");

        CallState first = serde.deserializer().deserialize(CHANGELOG, bytes);
        CallState decoded = StateSerde.calls().deserializer().deserialize(CHANGELOG, bytes);
        assertThat(first).usingRecursiveComparison().isEqualTo(decoded);
        assertThat(first.rate).isEqualTo(decoded.rate); // amounts at the scale read back
        first.seenEvents.add("c1:INTERIM:2");
        assertThat(serde.deserializer().deserialize(CHANGELOG, bytes).seenEvents).containsExactlyElementsOf(decoded.seenEvents);
        assertThat(inner.decoded.get()).isZero();
    }

    @Test
    void shouldCopyEveryFieldOfTheStateAsTheCodecReadsIt() {
        BalanceState balance = odd(StateSerdeTest.fullBalance());
        balance.unpublishedUsageHours.add(1_700_000_000_000L);
        byte[] written = StateSerde.balances().serializer().serialize(CHANGELOG, balance);
        assertThat(StateCodecs.copyBalance(balance)).usingRecursiveComparison()
                .isEqualTo(StateSerde.balances().deserializer().deserialize(CHANGELOG, written));
        BalanceState empty = new BalanceState();
        empty.live = null;
        empty.unpublishedUsageHours = null;
        assertThat(StateCodecs.copyBalance(empty)).usingRecursiveComparison().isEqualTo(new BalanceState());

        CallState call = StateSerdeTest.fullCall();
        byte[] callBytes = StateSerde.calls().serializer().serialize(CHANGELOG, call);
        assertThat(StateCodecs.copyCall(call)).usingRecursiveComparison()
                .isEqualTo(StateSerde.calls().deserializer().deserialize(CHANGELOG, callBytes));
        assertThat(StateCodecs.copyCall(new CallState())).usingRecursiveComparison().isEqualTo(new CallState());
    }

    /** Amounts at scales other than the codec's 6, as arithmetic may leave them. */
    private static BalanceState odd(BalanceState b) {
        b.credits = new BigDecimal("12.5");
        b.live.put("c3", new LiveCharge(new BigDecimal("0.25"), new BigDecimal("1"), 60, true));
        return b;
    }

    private static Usage usage(long calls) {
        return Usage.newBuilder().setAccountId("acme").setPeriod(UsagePeriod.HOUR).setWindowStart(Instant.parse("2025-03-10T12:00:00Z"))
                .setWindowEnd(Instant.parse("2025-03-10T13:00:00Z")).setCalls(calls).setAnsweredCalls(calls)
                .setBillableSeconds(60 * calls).setCost(Money.parse("0.6").multiply(BigDecimal.valueOf(calls)).setScale(Money.SCALE))
                .setCurrency("USD").setUpdatedAt(Instant.parse("2025-03-10T12:05:00Z")).build();
    }

    /** Counts what the serde it wraps encodes and decodes; with ids, writes each topic's record under the id given (as a registry may). */
    private static final class Counting<T> implements Serde<T> {
        final AtomicInteger encoded = new AtomicInteger();
        final AtomicInteger decoded = new AtomicInteger();
        private final Serde<T> inner;
        private final Map<String, Integer> ids;

        Counting(Serde<T> inner, Map<String, Integer> ids) {
            this.inner = inner;
            this.ids = ids;
        }

        @Override
        public Serializer<T> serializer() {
            return (topic, value) -> {
                if (value == null) return null;
                encoded.incrementAndGet();
                byte[] bytes = inner.serializer().serialize(topic, value);
                Integer id = ids.get(topic);
                if (id != null) System.arraycopy(java.nio.ByteBuffer.allocate(4).putInt(id).array(), 0, bytes, 1, 4);
                return bytes;
            };
        }

        @Override
        public Deserializer<T> deserializer() {
            return (topic, data) -> {
                if (data == null) return null;
                decoded.incrementAndGet();
                return inner.deserializer().deserialize(topic, data);
            };
        }
    }
}
