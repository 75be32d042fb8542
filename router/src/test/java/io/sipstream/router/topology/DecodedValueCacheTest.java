package io.sipstream.router.topology;

import io.sipstream.avro.Account;
import io.sipstream.schemas.Topics;
import io.sipstream.schemas.serde.SerdeConfig;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DecodedValueCacheTest {
    private static final String TOPIC = Topics.REGISTRY_ACCOUNTS.name();
    private final Serde<Account> avro = Topics.REGISTRY_ACCOUNTS.valueSerde(
            new SerdeConfig(SerdeConfig.MEMORY_SCHEME + "decoded-" + UUID.randomUUID(), null, true));
    private final AtomicInteger decodes = new AtomicInteger();
    /** The real Avro serde, counting what it decodes. */
    private final DecodedValueCache<Account> cache = new DecodedValueCache<>(Serdes.serdeFrom(avro.serializer(),
            (Deserializer<Account>) (topic, data) -> {
                decodes.incrementAndGet();
                return avro.deserializer().deserialize(topic, data);
            }), RouterTopology.CHANGING_ROWS);

    private byte[] bytes(Account account) { return avro.serializer().serialize(TOPIC, account); }

    private static Account account(String id, boolean enabled) {
        return RouterDriver.account(id).setEnabled(enabled).build();
    }

    @Test
    void shouldDecodeTheSameStoredBytesOnce() {
        Account enabled = account("acme", true);
        Account first = cache.deserializer().deserialize(TOPIC, bytes(enabled));
        // each store read hands over its own copy of the bytes
        assertThat(cache.deserializer().deserialize(TOPIC, bytes(enabled))).isSameAs(first).isEqualTo(enabled);
        assertThat(decodes).hasValue(1);
    }

    @Test
    void shouldDecodeAnUpdatedValueAndStillKnowTheOldOne() {
        Account enabled = account("acme", true);
        Account disabled = account("acme", false);
        assertThat(cache.deserializer().deserialize(TOPIC, bytes(enabled))).isEqualTo(enabled);
        assertThat(cache.deserializer().deserialize(TOPIC, bytes(disabled))).isEqualTo(disabled);
        assertThat(cache.deserializer().deserialize(TOPIC, bytes(enabled))).isEqualTo(enabled);
        assertThat(decodes).hasValue(2);
        assertThat(cache.deserializer().deserialize(TOPIC, null)).isNull();
    }

    @Test
    void shouldKeepNothingOfBytesThatDoNotRead() {
        byte[] garbage = {0, 0, 0, 0, 1, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> cache.deserializer().deserialize(TOPIC, garbage)).isInstanceOf(SerializationException.class);
        }
        assertThat(cache.size()).isZero();
    }

    @Test
    void shouldHoldAtMostItsLimit() {
        for (int i = 0; i <= RouterTopology.CHANGING_ROWS; i++) {
            cache.deserializer().deserialize(TOPIC, bytes(account("a" + i, true)));
        }
        assertThat(cache.size()).isBetween(1, RouterTopology.CHANGING_ROWS);
        Account again = account("again", true);
        assertThat(cache.deserializer().deserialize(TOPIC, bytes(again))).isEqualTo(again);
    }
}
