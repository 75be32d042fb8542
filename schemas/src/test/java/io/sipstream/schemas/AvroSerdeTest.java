package io.sipstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.Direction;
import io.sipstream.avro.Rate;
import io.sipstream.schemas.registry.InMemorySchemaRegistryClient;
import io.sipstream.schemas.serde.AvroSerde;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The wire format itself, without a broker: byte layout, decimals, bad input. */
class AvroSerdeTest {
    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    @Test
    void shouldWriteMagicByteAndBigEndianSchemaIdFirst() {
        AvroSerde<CallAttempt> serde = Topics.CALL_ATTEMPTS.valueSerde(registry);
        CallAttempt attempt = CallAttempt.newBuilder().setCallId("c1").setEdgeId("e0").setReplyPartition(3)
                .setDirection(Direction.OUTBOUND).setAccountId("alice").setDialled("5551234567")
                .setReceivedAt(Instant.ofEpochMilli(1_700_000_000_000L)).build();
        byte[] bytes = serde.serializer().serialize("call.attempts", attempt);
        int id = registry.lookup("call.attempts-value", attempt.getSchema()).id();
        assertThat(bytes[0]).isZero();
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(id);
        assertThat(serde.deserializer().deserialize("call.attempts", bytes)).isEqualTo(attempt);
    }

    @Test
    void shouldKeepMoneyExact() {
        AvroSerde<Rate> serde = Topics.BILLING_RATES.valueSerde(registry);
        Rate rate = Rate.newBuilder().setDeckId("default").setPrefix("44").setPricePerMinute(Money.parse("0.012345"))
                .setCurrency("GBP").setConnectionFee(Money.ZERO).build();
        Rate back = serde.deserializer().deserialize("billing.rates", serde.serializer().serialize("billing.rates", rate));
        assertThat(back.getPricePerMinute()).isEqualByComparingTo(new BigDecimal("0.012345"));
        assertThat(Money.of(new BigDecimal("1.1"))).hasToString("1.100000");
        assertThatThrownBy(() -> Money.parse("1.0000001")).hasMessageContaining("decimal places");
        assertThatThrownBy(() -> Money.parse("ten")).hasMessageContaining("not a decimal");
    }

    @Test
    void shouldRefuseBytesThatAreNotTheWireFormat() {
        AvroSerde<CallAttempt> serde = Topics.CALL_ATTEMPTS.valueSerde(registry);
        assertThatThrownBy(() -> serde.deserializer().deserialize("call.attempts", "{\"json\":true}".getBytes()))
                .isInstanceOf(SerializationException.class).hasMessageContaining("magic byte");
        assertThatThrownBy(() -> serde.deserializer().deserialize("call.attempts", new byte[] {0, 0, 0, 0, 99, 1}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("schema id 99");
        assertThat(serde.deserializer().deserialize("call.attempts", null)).as("tombstone").isNull();
    }
}
