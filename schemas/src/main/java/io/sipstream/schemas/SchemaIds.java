package io.sipstream.schemas;

import io.sipstream.schemas.registry.SchemaRegistryClient;
import io.sipstream.schemas.registry.SchemaRegistryException;
import io.sipstream.schemas.serde.SerdeConfig;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's start-up step: the schema id of every subject it writes, got before it reports
 * ready, so that no record waits on the Schema Registry, neither on a call's set-up path nor on a
 * stream thread. The ids land in the cache of the process-wide client of the service's registry
 * settings ({@link SerdeConfig#client()}), which every serializer of those settings asks first:
 * after this step, writing a record does no HTTP.
 *
 * <p>A registry that fails (5xx, unreachable, timed out) is asked again with exponential backoff
 * until {@link Retry#giveUpAfter()}; a refusal (an incompatible or invalid schema, a schema not
 * registered while auto-registration is off, bad credentials) stops the start at once, with the
 * subject and the registry's reason. Subjects are resolved one after the other: a registry
 * implementation that locks per registration held each of two concurrent ones for seconds.
 */
public final class SchemaIds {
    private static final Logger log = LoggerFactory.getLogger(SchemaIds.class);

    /** A subject a service writes and the schema of the values it writes there. */
    public record Writer(String subject, Schema schema) {
        /** The values of a catalogue topic. */
        public static Writer of(Topic<?> topic) { return new Writer(topic.valueSubject(), topic.valueSchema()); }

        /** Values of {@code type} on a topic outside the catalogue (a Kafka Streams changelog or repartition topic), by its full name. */
        public static Writer of(String topic, Class<? extends SpecificRecord> type) {
            return new Writer(topic + "-value", SpecificData.get().getSchema(type));
        }
    }

    /** Pauses from {@code first}, doubling up to {@code max}, for at most {@code giveUpAfter} in all; zero tries each subject once. */
    public record Retry(Duration first, Duration max, Duration giveUpAfter) {
        /** A service's start: a registry starting alongside it has a minute. */
        public static final Retry STARTUP = new Retry(Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofMinutes(1));
        /** For a caller that retries on its own. */
        public static final Retry ONCE = new Retry(Duration.ZERO, Duration.ZERO, Duration.ZERO);
    }

    /** The values of these catalogue topics. */
    public static List<Writer> of(Topic<?>... topics) { return of(Arrays.asList(topics)); }

    /** The values of these catalogue topics. */
    public static List<Writer> of(Collection<? extends Topic<?>> topics) { return topics.stream().map(Writer::of).toList(); }

    /** {@link #resolveAll(SerdeConfig, Collection, Retry)} with {@link Retry#STARTUP}. */
    public static Map<String, Integer> resolveAll(SerdeConfig serdes, Collection<Writer> writers) {
        return resolveAll(serdes, writers, Retry.STARTUP);
    }

    /**
     * Registers each writer's schema under its subject (or, with auto-registration off, looks it up)
     * through {@code serdes}' process-wide client; returns the ids by subject.
     *
     * @throws IllegalStateException when the registry refuses a schema, or still fails when {@code retry} gives up
     */
    public static Map<String, Integer> resolveAll(SerdeConfig serdes, Collection<Writer> writers, Retry retry) {
        SchemaRegistryClient client = serdes.client();
        long deadline = System.nanoTime() + retry.giveUpAfter().toNanos();
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (Writer writer : new LinkedHashSet<>(writers)) ids.put(writer.subject(), resolve(client, serdes, writer, retry, deadline));
        log.info("schema ids of the subjects this service writes, from {}: {}", serdes.registryUrl(), ids);
        return ids;
    }

    private static int resolve(SchemaRegistryClient client, SerdeConfig serdes, Writer writer, Retry retry, long deadline) {
        Duration pause = retry.first();
        for (int attempt = 1; ; attempt++) {
            try {
                return serdes.autoRegister() ? client.register(writer.subject(), writer.schema())
                        : client.lookup(writer.subject(), writer.schema()).id();
            } catch (SchemaRegistryException e) {
                if (!e.isRetriable()) throw refused(serdes, writer, e);
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("schema registry " + serdes.registryUrl() + " gave no schema id for "
                            + writer.subject() + " (" + attempt + (attempt == 1 ? " try" : " tries") + "): " + e.getMessage(), e);
                }
                if (attempt == 1 || attempt % 10 == 0) {
                    log.warn("schema registry {}: no schema id for {} yet (try {}): {}; trying again", serdes.registryUrl(),
                            writer.subject(), attempt, e.getMessage());
                }
                sleep(Math.min(pause.toNanos(), left));
                pause = pause.multipliedBy(2).compareTo(retry.max()) > 0 ? retry.max() : pause.multipliedBy(2);
            }
        }
    }

    private static IllegalStateException refused(SerdeConfig serdes, Writer writer, SchemaRegistryException e) {
        String why;
        if (e instanceof SchemaRegistryException.IncompatibleSchema) {
            why = "the schema this service writes to " + writer.subject() + " is incompatible with the subject's earlier versions";
        } else if (e instanceof SchemaRegistryException.NotFound && !serdes.autoRegister()) {
            why = writer.subject() + " holds no version with the schema this service writes, and auto-registration is off "
                    + "(schema.registry.auto.register=false): register it first";
        } else {
            why = "the registry refuses the schema this service writes to " + writer.subject();
        }
        return new IllegalStateException(why + " (" + serdes.registryUrl() + ": " + e.getMessage() + ")", e);
    }

    private static void sleep(long nanos) {
        try {
            Thread.sleep(Duration.ofNanos(nanos));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the schema registry", e);
        }
    }

    private SchemaIds() {}
}
