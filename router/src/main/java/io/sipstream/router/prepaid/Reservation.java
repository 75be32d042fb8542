package io.sipstream.router.prepaid;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the router holds of a prepaid account's balance for one call it routed with a cap:
 * {@code amount}, the most billing can charge the call at its cap (the fee, the first increment,
 * whole next increments); {@code perMinute}, the call's price, which billing's live burn counts
 * once it knows the call; {@code expiresAt}, the wall-clock time after which the hold no longer
 * counts should the call's end never be reported.
 */
public record Reservation(BigDecimal amount, BigDecimal perMinute, long expiresAt) {
    private static final byte FORMAT = 1;

    public static Serde<Reservation> serde() {
        Serializer<Reservation> ser = (topic, r) -> {
            if (r == null) return null;
            try {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream(40);
                DataOutputStream out = new DataOutputStream(bytes);
                out.writeByte(FORMAT);
                out.writeLong(r.expiresAt);
                out.writeUTF(r.amount.toPlainString()); // amounts of the schemas: at most 20 digits
                out.writeUTF(r.perMinute.toPlainString());
                return bytes.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        Deserializer<Reservation> de = (topic, bytes) -> {
            if (bytes == null) return null;
            try {
                DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes));
                byte format = in.readByte();
                if (format != FORMAT) throw new SerializationException("reservation format " + format + " is not " + FORMAT);
                long expiresAt = in.readLong();
                return new Reservation(new BigDecimal(in.readUTF()), new BigDecimal(in.readUTF()), expiresAt);
            } catch (IOException | NumberFormatException e) {
                throw new SerializationException("unreadable reservation of " + bytes.length + " bytes: " + e.getMessage());
            }
        };
        return Serdes.serdeFrom(ser, de);
    }
}
