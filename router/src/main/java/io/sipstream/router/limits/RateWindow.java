package io.sipstream.router.limits;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The record times of one account's calls admitted in the last second: a sliding log, so that no
 * one-second span ever holds more than the limit (a fixed window lets twice the limit through
 * across its edge). At most {@code limit} entries per account.
 */
public record RateWindow(long[] admittedAt) {

    /** The admissions still inside the second that ends at {@code now}. */
    public RateWindow within(long now) {
        int keep = 0;
        for (long t : admittedAt) if (t > now - 1000) keep++;
        if (keep == admittedAt.length) return this;
        long[] kept = new long[keep];
        int i = 0;
        for (long t : admittedAt) if (t > now - 1000) kept[i++] = t;
        return new RateWindow(kept);
    }

    public int count() { return admittedAt.length; }

    public RateWindow plus(long at) {
        long[] more = Arrays.copyOf(admittedAt, admittedAt.length + 1);
        more[admittedAt.length] = at;
        return new RateWindow(more);
    }

    public static RateWindow empty() { return new RateWindow(new long[0]); }

    public static Serde<RateWindow> serde() {
        Serializer<RateWindow> ser = (topic, w) -> {
            if (w == null) return null;
            ByteBuffer b = ByteBuffer.allocate(8 * w.admittedAt.length);
            for (long t : w.admittedAt) b.putLong(t);
            return b.array();
        };
        Deserializer<RateWindow> de = (topic, bytes) -> {
            if (bytes == null) return null;
            if (bytes.length % 8 != 0) throw new SerializationException("a rate window is a list of longs, not " + bytes.length + " bytes");
            ByteBuffer b = ByteBuffer.wrap(bytes);
            long[] times = new long[bytes.length / 8];
            for (int i = 0; i < times.length; i++) times[i] = b.getLong();
            return new RateWindow(times);
        };
        return Serdes.serdeFrom(ser, de);
    }
}
