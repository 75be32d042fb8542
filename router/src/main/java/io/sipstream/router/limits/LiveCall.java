package io.sipstream.router.limits;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * One call that counts against its account's concurrency: {@code answered} once the edge reported
 * it answered (or an interim of it), otherwise routed or ringing; {@code seenAt} is the wall clock
 * of its last sign of life, from which the sweeper expires calls whose end was lost.
 */
public record LiveCall(boolean answered, long seenAt) {

    public static Serde<LiveCall> serde() {
        Serializer<LiveCall> ser = (topic, call) -> call == null ? null
                : ByteBuffer.allocate(9).put((byte) (call.answered ? 1 : 0)).putLong(call.seenAt).array();
        Deserializer<LiveCall> de = (topic, bytes) -> {
            if (bytes == null) return null;
            ByteBuffer b = ByteBuffer.wrap(bytes);
            return new LiveCall(b.get() == 1, b.getLong());
        };
        return Serdes.serdeFrom(ser, de);
    }
}
