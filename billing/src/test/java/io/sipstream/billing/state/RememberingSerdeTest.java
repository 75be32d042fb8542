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
