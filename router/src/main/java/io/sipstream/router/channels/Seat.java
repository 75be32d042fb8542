package io.sipstream.router.channels;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The trunk with a channel limit that one call holds, as its account's task knows it: {@code answered}
 * once the edge said so, {@code claimedAt} the wall clock of the last claim sent for it.
 */
public record Seat(String trunkId, boolean answered, long claimedAt) {

    /** One answered byte, the claim time, then the trunk id in UTF-8. */
    public static Serde<Seat> serde() {
        Serializer<Seat> ser = (topic, seat) -> {
            if (seat == null) return null;
            byte[] id = seat.trunkId.getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(9 + id.length).put((byte) (seat.answered ? 1 : 0)).putLong(seat.claimedAt).put(id).array();
        };
        Deserializer<Seat> de = (topic, bytes) -> {
            if (bytes == null) return null;
            if (bytes.length < 10) throw new SerializationException("a seat has a flag, a time and a trunk id, not " + bytes.length + " bytes");
            ByteBuffer b = ByteBuffer.wrap(bytes);
            boolean answered = b.get() == 1;
            long at = b.getLong();
            return new Seat(new String(bytes, 9, bytes.length - 9, StandardCharsets.UTF_8), answered, at);
        };
        return Serdes.serdeFrom(ser, de);
    }
}
