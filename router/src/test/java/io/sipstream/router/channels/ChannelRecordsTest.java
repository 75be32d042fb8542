package io.sipstream.router.channels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The byte formats of the trunk claims (an internal topic) and the seats (a changelog). */
class ChannelRecordsTest {

    @Test
    void shouldReadBackEveryClaimAndSeat() {
        var claims = TrunkClaim.serde();
        for (TrunkClaim claim : new TrunkClaim[] {TrunkClaim.hold("0-ab:c@x", false), TrunkClaim.hold("0-ab:c@x", true),
                TrunkClaim.release("0-ab:c@x;redirect-1")}) {
            assertThat(claims.deserializer().deserialize("t", claims.serializer().serialize("t", claim))).isEqualTo(claim);
        }
        var seats = Seat.serde();
        Seat seat = new Seat("carrier-é", true, 1_763_000_000_123L);
        assertThat(seats.deserializer().deserialize("t", seats.serializer().serialize("t", seat))).isEqualTo(seat);
        assertThat(claims.serializer().serialize("t", null)).isNull();
        assertThat(seats.deserializer().deserialize("t", null)).isNull();
    }

    @Test
    void shouldRefuseBytesTooShortToBeOne() {
        assertThatThrownBy(() -> TrunkClaim.serde().deserializer().deserialize("t", new byte[] {1}))
                .isInstanceOf(SerializationException.class);
        assertThatThrownBy(() -> Seat.serde().deserializer().deserialize("t", new byte[9]))
                .isInstanceOf(SerializationException.class);
    }
}
