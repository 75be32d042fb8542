package io.sipstream.router.limits;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/** Calls admitted for one account in one second of record time. */
public record RateWindow(long second, int count) {

    public static Serde<RateWindow> serde() {
        Serializer<RateWindow> ser = (topic, w) -> w == null ? null
                : ByteBuffer.allocate(12).putLong(w.second).putInt(w.count).array();
        Deserializer<RateWindow> de = (topic, bytes) -> {
            if (bytes == null) return null;
            ByteBuffer b = ByteBuffer.wrap(bytes);
            return new RateWindow(b.getLong(), b.getInt());
        };
        return Serdes.serdeFrom(ser, de);
    }
}
