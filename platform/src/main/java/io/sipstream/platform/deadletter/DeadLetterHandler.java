package io.sipstream.platform.deadletter;

import io.sipstream.avro.DeadLetter;
import io.sipstream.schemas.serde.AvroSerializer;
import io.sipstream.schemas.serde.SerdeConfig;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams handler for records a topology cannot read or process: writes them to
 * dead.letters with the reason (through KIP-1034's dead-letter records, so under exactly-once they
 * commit with the input offset) and lets the app go on. Configure with
 * {@code deserialization.exception.handler}, {@code processing.exception.handler} and
 * {@code production.exception.handler} (for output the serializer refuses, e.g. an amount beyond
 * the schema's decimal precision: without it the thread would fail on the same input forever); the serde
 * settings (schema.registry.url) come from the same Streams properties.
 */
public final class DeadLetterHandler implements DeserializationExceptionHandler, ProcessingExceptionHandler,
        ProductionExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterHandler.class);

    private String service = "unknown";
    private AvroSerializer<DeadLetter> serializer;

    @Override
    public void configure(Map<String, ?> configs) {
        Object appId = configs.get(StreamsConfig.APPLICATION_ID_CONFIG);
        if (appId != null) service = appId.toString();
        serializer = new AvroSerializer<>(DeadLetter.class);
        serializer.configure(SerdeConfig.from(configs).asMap(), false);
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(ErrorHandlerContext context,
                                                                ConsumerRecord<byte[], byte[]> record, Exception exception) {
        return DeserializationExceptionHandler.Response.resume(List.of(deadLetter(context, record.key(), record.value(), exception)));
    }

    @Override
    public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        return ProcessingExceptionHandler.Response.resume(
                List.of(deadLetter(context, context.sourceRawKey(), context.sourceRawValue(), exception)));
    }

    /** An output record that cannot be serialized: dead-letter its input and go on. Send errors keep Kafka's default (fail). */
    @Override
    public ProductionExceptionHandler.Response handleSerializationError(ErrorHandlerContext context,
            org.apache.kafka.clients.producer.ProducerRecord record, Exception exception,
            ProductionExceptionHandler.SerializationExceptionOrigin origin) {
        Exception described = new IllegalArgumentException("output to " + record.topic() + " could not be serialized ("
                + origin + "): " + DeadLetters.reason(exception));
        return ProductionExceptionHandler.Response.resume(
                List.of(deadLetter(context, context.sourceRawKey(), context.sourceRawValue(), described)));
    }

    @Override
    public ProductionExceptionHandler.Response handleError(ErrorHandlerContext context,
            org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> record, Exception exception) {
        return ProductionExceptionHandler.Response.fail();
    }

    private org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> deadLetter(
            ErrorHandlerContext context, byte[] key, byte[] value, Exception exception) {
        String reason = DeadLetters.reason(exception);
        log.warn("dead letter from {}-{}@{} (processor {}): {}", context.topic(), context.partition(), context.offset(),
                context.processorNodeId(), reason);
        DeadLetter letter = DeadLetters.letter(service, context.topic(), context.partition(), context.offset(),
                key, value, reason, Instant.now());
        return DeadLetters.record(letter, serializer);
    }
}
