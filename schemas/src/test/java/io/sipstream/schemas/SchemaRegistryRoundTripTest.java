package io.sipstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.schemas.registry.HttpSchemaRegistryClient;
import io.sipstream.schemas.registry.SchemaRegistryException;
import io.sipstream.schemas.serde.AvroDeserializer;
import io.sipstream.schemas.serde.AvroSerializer;
import io.sipstream.schemas.serde.SerdeConfig;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every topic's value through the real broker and the local Schema Registry, in the Confluent wire format. */
@ExtendWith(LocalStackExtension.class)
class SchemaRegistryRoundTripTest {
    private static LocalStack stack;
    private static HttpSchemaRegistryClient registry;

    @BeforeAll
    static void topics(LocalStack localStack) {
        stack = localStack;
        registry = new HttpSchemaRegistryClient(stack.schemaRegistryUrl(), null);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            new TopicBootstrapper(admin, (short) 1).ensureAll();
            new TopicBootstrapper(admin, (short) 1).ensureAll(); // a second run only verifies
        }
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void everyTopicValueRoundTripsThroughBrokerAndRegistry() {
        SerdeConfig serdes = new SerdeConfig(stack.schemaRegistryUrl(), null, true);
        Map<Topic<?>, SpecificRecord> samples = SampleRecords.all();
        assertThat(samples.keySet()).containsExactlyInAnyOrderElementsOf(Topics.ALL);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (var entry : samples.entrySet()) {
                Topic topic = entry.getKey();
                byte[] value = topic.valueSerde(serdes).serializer().serialize(topic.name(), entry.getValue());
                producer.send(new ProducerRecord<>(topic.name(), "k".getBytes(), value));
            }
            producer.flush();
        }
        for (var entry : samples.entrySet()) {
            Topic topic = entry.getKey();
            byte[] raw = readOne(topic.name());
            assertThat(raw[0]).as("magic byte of %s", topic).isZero();
            int id = ByteBuffer.wrap(raw, 1, 4).getInt();
            assertThat(registry.getById(id)).isEqualTo(topic.valueSchema());
            assertThat(registry.getLatest(topic.valueSubject()).id()).isEqualTo(id);
            Object back = topic.valueSerde(serdes).deserializer().deserialize(topic.name(), raw);
            assertThat(back).as("round trip of %s", topic).isEqualTo(entry.getValue());
        }
    }

    @Test
    void registryErrorsMapToTheirCodes() {
        String subject = "errors-" + UUID.randomUUID() + "-value";
        Schema v1 = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"E\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}");
        Schema incompatible = new Schema.Parser().parse(
                "{\"type\":\"record\",\"name\":\"E\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"b\",\"type\":\"int\"}]}");
        assertThatThrownBy(() -> registry.getLatest(subject)).isInstanceOf(SchemaRegistryException.NotFound.class)
                .extracting(e -> ((SchemaRegistryException) e).errorCode()).isEqualTo(40401);
        int id = registry.register(subject, v1);
        assertThat(registry.register(subject, v1)).as("same schema, same id").isEqualTo(id);
        assertThatThrownBy(() -> registry.getVersion(subject, 7)).isInstanceOf(SchemaRegistryException.NotFound.class)
                .extracting(e -> ((SchemaRegistryException) e).errorCode()).isEqualTo(40402);
        assertThatThrownBy(() -> registry.getById(987_654)).isInstanceOf(SchemaRegistryException.NotFound.class)
                .extracting(e -> ((SchemaRegistryException) e).errorCode()).isEqualTo(40403);
        assertThat(registry.isCompatible(subject, incompatible)).isFalse();
        assertThatThrownBy(() -> new HttpSchemaRegistryClient(stack.schemaRegistryUrl(), null).register(subject, incompatible))
                .isInstanceOf(SchemaRegistryException.IncompatibleSchema.class)
                .extracting(e -> ((SchemaRegistryException) e).errorCode()).isEqualTo(409);
        assertThatThrownBy(() -> registry.setCompatibility(subject, "SIDEWAYS"))
                .isInstanceOf(SchemaRegistryException.class)
                .extracting(e -> ((SchemaRegistryException) e).errorCode()).isEqualTo(42203);
        assertThat(registry.compatibility(subject)).as("no level of its own: the global one").isEqualTo("BACKWARD");
        registry.setCompatibility(subject, "NONE");
        assertThat(registry.compatibility(subject)).isEqualTo("NONE");
        assertThat(new HttpSchemaRegistryClient(stack.schemaRegistryUrl(), null).register(subject, incompatible)).isNotEqualTo(id);
        assertThat(registry.versions(subject)).containsExactly(1, 2);
        assertThat(registry.subjects()).contains(subject);
    }

    @Test
    void anUnreachableRegistryIsARetriableError() {
        var dead = new HttpSchemaRegistryClient("http://127.0.0.1:1", null, Duration.ofSeconds(2));
        assertThatThrownBy(() -> dead.getById(1)).isInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("unreachable").matches(e -> ((SchemaRegistryException) e).isRetriable());
    }

    @Test
    void aSerializerWithoutAutoRegisterRefusesAnUnknownSchema() {
        var serializer = new AvroSerializer<>(io.sipstream.avro.Trunk.class, registry, false);
        serializer.configure(Map.of(), false);
        var trunk = (io.sipstream.avro.Trunk) SampleRecords.all().get(Topics.REGISTRY_TRUNKS);
        assertThatThrownBy(() -> serializer.serialize("unregistered-" + UUID.randomUUID(), trunk))
                .isInstanceOf(org.apache.kafka.common.errors.SerializationException.class).hasMessageContaining("subject");
        var deserializer = new AvroDeserializer<>(io.sipstream.avro.Trunk.class, registry);
        assertThat(deserializer.deserialize("x", null)).isNull();
    }

    private static byte[] readOne(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "roundtrip-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 30_000;
            while (got.isEmpty() && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(got::add);
            }
            assertThat(got).as("a record on %s", topic).isNotEmpty();
            return got.get(0).value();
        }
    }
}
