package io.sipstream.platform.deadletter;

import io.sipstream.avro.DeadLetter;
import io.sipstream.schemas.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Builds the records of dead.letters: the raw key and value that could not be processed, where
 * they came from and why, so nothing is lost and an operator can replay them after a fix.
 */
public final class DeadLetters {

    public static DeadLetter letter(String service, String topic, int partition, long offset,
                                    byte[] key, byte[] value, String reason, Instant failedAt) {
        return DeadLetter.newBuilder()
                .setService(service)
                .setSourceTopic(topic == null ? "" : topic)
                .setPartition(partition)
                .setOffset(offset)
                .setKey(key == null ? null : ByteBuffer.wrap(key))
                .setValue(value == null ? null : ByteBuffer.wrap(value))
                .setReason(reason == null ? "unknown" : truncate(reason))
                .setFailedAt(failedAt)
                .build();
    }

    /** The record to produce, keyed by the source topic, with the value already serialized. */
    public static ProducerRecord<byte[], byte[]> record(DeadLetter letter, Serializer<DeadLetter> serializer) {
        byte[] value = serializer.serialize(Topics.DEAD_LETTERS.name(), letter);
        return new ProducerRecord<>(Topics.DEAD_LETTERS.name(), letter.getSourceTopic().getBytes(StandardCharsets.UTF_8), value);
    }

    /** The reason of a failure with its causes, short enough for a record. */
    public static String reason(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 1000; t = t.getCause()) {
            if (!sb.isEmpty()) sb.append(" <- ");
            sb.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
            if (t.getCause() == t) break;
        }
        return sb.toString();
    }

    private static String truncate(String s) { return s.length() > 2000 ? s.substring(0, 2000) : s; }

    private DeadLetters() {}
}
