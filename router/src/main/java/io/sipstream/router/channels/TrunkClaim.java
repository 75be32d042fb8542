package io.sipstream.router.channels;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the account side tells a trunk's counter about one call (keyed by the trunk id): the call
 * holds one of the trunk's channels ({@code answered} once it is), or {@code released} it. Each
 * claim says the whole of the call's state on the trunk, so a claim read twice changes nothing.
 */
public record TrunkClaim(String callId, boolean answered, boolean released) {

    static TrunkClaim hold(String callId, boolean answered) { return new TrunkClaim(callId, answered, false); }

    static TrunkClaim release(String callId) { return new TrunkClaim(callId, false, true); }

    /** One flag byte (bit 0 answered, bit 1 released), then the call id in UTF-8: an internal topic's format. */
    public static Serde<TrunkClaim> serde() {
        Serializer<TrunkClaim> ser = (topic, claim) -> {
            if (claim == null) return null;
            byte[] id = claim.callId.getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(1 + id.length).put((byte) ((claim.answered ? 1 : 0) | (claim.released ? 2 : 0))).put(id).array();
        };
        Deserializer<TrunkClaim> de = (topic, bytes) -> {
            if (bytes == null) return null;
            if (bytes.length < 2) throw new SerializationException("a trunk claim has a flag byte and a call id, not " + bytes.length + " bytes");
            return new TrunkClaim(new String(bytes, 1, bytes.length - 1, StandardCharsets.UTF_8), (bytes[0] & 1) != 0, (bytes[0] & 2) != 0);
        };
        return Serdes.serdeFrom(ser, de);
    }
}
