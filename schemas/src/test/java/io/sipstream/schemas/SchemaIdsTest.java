package io.sipstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.CallEvent;
import io.sipstream.localstack.FailingRegistryProxy;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.schemas.SchemaIds.Retry;
import io.sipstream.schemas.SchemaIds.Writer;
import io.sipstream.schemas.registry.HttpSchemaRegistryClient;
import io.sipstream.schemas.serde.SerdeConfig;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The start-up step that gets the schema ids a service writes, against the local registry behind a
 * proxy that answers 500 to the first registrations: it rides the failures out, and once it has run,
 * writing a record asks the registry nothing.
 */
@ExtendWith(LocalStackExtension.class)
class SchemaIdsTest {
    private static final Retry QUICK = new Retry(Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofSeconds(20));

    @Test
    void shouldRideOutARegistryThatFailsTheFirstRegistrationsThenWriteWithoutAskingIt(LocalStack stack) {
        String repartition = "ids-" + UUID.randomUUID() + "-inbound-by-owner-repartition";
        List<Writer> writers = new ArrayList<>(SchemaIds.of(Topics.CALL_ATTEMPTS, Topics.CALL_EVENTS));
        writers.add(Writer.of(repartition, CallAttempt.class));
        try (FailingRegistryProxy registry = FailingRegistryProxy.start(stack.schemaRegistryUrl(), 3)) {
            SerdeConfig serdes = new SerdeConfig(registry.url(), null, true);

            Map<String, Integer> ids = SchemaIds.resolveAll(serdes, writers, QUICK);

            assertThat(registry.failuresLeft()).as("every injected 500 was met and retried").isZero();
            var real = new HttpSchemaRegistryClient(stack.schemaRegistryUrl(), null);
            assertThat(ids).containsOnlyKeys("call.attempts-value", "call.events-value", repartition + "-value");
            assertThat(ids.get(repartition + "-value")).isEqualTo(real.lookup(repartition + "-value", CallAttempt.getClassSchema()).id());

            int asked = registry.requests().size();
            var attempt = (CallAttempt) SampleRecords.all().get(Topics.CALL_ATTEMPTS);
            var event = (CallEvent) SampleRecords.all().get(Topics.CALL_EVENTS);
            byte[] attemptBytes = Topics.CALL_ATTEMPTS.valueSerde(serdes).serializer().serialize(Topics.CALL_ATTEMPTS.name(), attempt);
            byte[] eventBytes = Topics.CALL_EVENTS.valueSerde(serdes).serializer().serialize(Topics.CALL_EVENTS.name(), event);
            byte[] repartitioned = Topics.CALL_ATTEMPTS.valueSerde(serdes).serializer().serialize(repartition, attempt);

            assertThat(registry.requests()).as("a new serializer finds the ids resolved at start-up").hasSize(asked);
            assertThat(schemaId(attemptBytes)).isEqualTo(ids.get("call.attempts-value"));
            assertThat(schemaId(eventBytes)).isEqualTo(ids.get("call.events-value"));
            assertThat(schemaId(repartitioned)).isEqualTo(ids.get(repartition + "-value"));
        }
    }

    @Test
    void shouldLookUpOnceWhenAutoRegistrationIsOff(LocalStack stack) {
        String topic = "ids-lookup-" + UUID.randomUUID();
        int registered = new HttpSchemaRegistryClient(stack.schemaRegistryUrl(), null).register(topic + "-value", CallAttempt.getClassSchema());
        try (FailingRegistryProxy registry = FailingRegistryProxy.start(stack.schemaRegistryUrl(), 0)) {
            SerdeConfig serdes = new SerdeConfig(registry.url(), null, false);

            assertThat(SchemaIds.resolveAll(serdes, List.of(Writer.of(topic, CallAttempt.class)), QUICK))
                    .containsExactly(Map.entry(topic + "-value", registered));
            assertThat(registry.requests()).containsExactly("POST /subjects/" + topic + "-value");

            var attempt = (CallAttempt) SampleRecords.all().get(Topics.CALL_ATTEMPTS);
            byte[] bytes = Topics.CALL_ATTEMPTS.valueSerde(serdes).serializer().serialize(topic, attempt);
            assertThat(schemaId(bytes)).isEqualTo(registered);
            assertThat(registry.requests()).as("the serializer's lookup is answered from the client's cache").hasSize(1);
        }
    }

    @Test
    void shouldStopTheStartAtOnceWithTheReasonWhenTheRegistryRefuses(LocalStack stack) {
        String topic = "ids-refused-" + UUID.randomUUID();
        Schema other = SchemaBuilder.record("Other").namespace("test").fields().requiredString("x").endRecord();
        new HttpSchemaRegistryClient(stack.schemaRegistryUrl(), null).register(topic + "-value", other);
        try (FailingRegistryProxy registry = FailingRegistryProxy.start(stack.schemaRegistryUrl(), 0)) {
            assertThatThrownBy(() -> SchemaIds.resolveAll(new SerdeConfig(registry.url(), null, true),
                    List.of(Writer.of(topic, CallAttempt.class)), QUICK))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(topic + "-value").hasMessageContaining("incompatible");
            assertThat(registry.idRequests()).as("a refusal is not retried").isEqualTo(1);

            String unknown = "ids-unknown-" + UUID.randomUUID();
            assertThatThrownBy(() -> SchemaIds.resolveAll(new SerdeConfig(registry.url(), null, false),
                    List.of(Writer.of(unknown, CallAttempt.class)), QUICK))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(unknown + "-value").hasMessageContaining("auto-registration is off");
        }
    }

    @Test
    void shouldGiveUpNamingTheSubjectWhenTheRegistryKeepsFailing(LocalStack stack) {
        try (FailingRegistryProxy registry = FailingRegistryProxy.start(stack.schemaRegistryUrl(), Integer.MAX_VALUE)) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> SchemaIds.resolveAll(new SerdeConfig(registry.url(), null, true),
                    SchemaIds.of(Topics.CALL_EVENTS), new Retry(Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofSeconds(3))))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("call.events-value").hasMessageContaining("tries").hasMessageContaining("50001");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
            assertThat(registry.idRequests()).as("asked again with backoff, not once").isGreaterThan(2);
        }
    }

    private static int schemaId(byte[] wire) { return ByteBuffer.wrap(wire, 1, 4).getInt(); }
}
