package io.sipstream.localstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's state: subjects, their versions, global schema ids and compatibility levels,
 * kept as a compacted Kafka topic (one partition, so one total order) and mirrored in memory.
 *
 * <p>Records use Confluent's own {@code _schemas} layout (JSON keys {@code {"keytype":"SCHEMA",
 * "subject":..,"version":..,"magic":1}} and {@code {"keytype":"CONFIG",..}}), so the topic reads
 * the same to anyone who knows Confluent's registry.
 *
 * <p>This registry is the topic's only writer, so a write that the broker acknowledged
 * ({@code acks=all}) is applied to memory at once instead of being read back; the topic is read
 * from the beginning once, on open, to rebuild the state after a restart. Every method is
 * synchronized: a register is check-then-write and must not interleave with another.
 */
final class SchemaStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SchemaStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** One registered version of a subject, as the topic stores it. */
    record SchemaVersion(String subject, int version, int id, String schema, boolean deleted) {}

    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;

    private final Map<String, NavigableMap<Integer, SchemaVersion>> subjects = new TreeMap<>();
    private final Map<Integer, String> schemasById = new HashMap<>();
    private final Map<String, Integer> idsBySchema = new HashMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private CompatibilityLevel globalLevel = CompatibilityLevel.DEFAULT;
    private int maxId;

    private SchemaStore(String topic, KafkaProducer<byte[], byte[]> producer) {
        this.topic = topic;
        this.producer = producer;
    }

    /** Creates the topic when missing, then replays it into memory. */
    static SchemaStore open(String bootstrapServers, String topic) {
        createTopicIfMissing(bootstrapServers, topic);
        SchemaStore store = new SchemaStore(topic, new KafkaProducer<>(producerConfig(bootstrapServers),
                new ByteArraySerializer(), new ByteArraySerializer()));
        try {
            int records = store.replay(bootstrapServers);
            log.debug("schema store read {} records from {}: {} subjects, {} schemas",
                    records, topic, store.subjects.size(), store.schemasById.size());
            return store;
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    // ---- reads -----------------------------------------------------------------------------

    synchronized List<String> subjects(boolean includeDeleted) {
        List<String> names = new ArrayList<>();
        subjects.forEach((name, versions) -> {
            if (includeDeleted || versions.values().stream().anyMatch(v -> !v.deleted())) names.add(name);
        });
        return names;
    }

    synchronized List<Integer> versions(String subject, boolean includeDeleted) {
        List<Integer> versions = versionsOf(subject, includeDeleted).stream().map(SchemaVersion::version).toList();
        if (versions.isEmpty()) throw RegistryException.subjectNotFound(subject);
        return versions;
    }

    /** @param version a version number, or -1 for the latest */
    synchronized SchemaVersion version(String subject, int version, boolean includeDeleted) {
        List<SchemaVersion> versions = versionsOf(subject, includeDeleted);
        if (versions.isEmpty()) throw RegistryException.subjectNotFound(subject);
        if (version == -1) return versions.getLast();
        return versions.stream().filter(v -> v.version() == version).findFirst()
                .orElseThrow(() -> RegistryException.versionNotFound(version));
    }

    synchronized String schemaById(int id) {
        String schema = schemasById.get(id);
        if (schema == null) throw RegistryException.schemaNotFound("Schema " + id);
        return schema;
    }

    /** Every (subject, version) that holds the schema with this id. */
    synchronized List<SchemaVersion> usagesOf(int id) {
        schemaById(id);
        return subjects.values().stream().flatMap(v -> v.values().stream())
                .filter(v -> v.id() == id && !v.deleted()).toList();
    }

    /** The live version of {@code subject} whose schema is {@code schema}. */
    synchronized SchemaVersion lookup(String subject, Schema schema, boolean includeDeleted) {
        List<SchemaVersion> versions = versionsOf(subject, includeDeleted);
        if (versions.isEmpty()) throw RegistryException.subjectNotFound(subject);
        String canonical = schema.toString();
        return versions.stream().filter(v -> v.schema().equals(canonical)).reduce((first, last) -> last)
                .orElseThrow(() -> RegistryException.schemaNotFound("Schema"));
    }

    synchronized CompatibilityLevel globalLevel() {
        return globalLevel;
    }

    synchronized Optional<CompatibilityLevel> subjectLevel(String subject) {
        return Optional.ofNullable(subjectLevels.get(subject));
    }

    synchronized CompatibilityLevel effectiveLevel(String subject) {
        return subjectLevels.getOrDefault(subject, globalLevel);
    }

    /** Compatibility problems of {@code candidate} under the subject's level, against every version the level covers. */
    synchronized List<String> problems(String subject, Schema candidate) {
        return effectiveLevel(subject).problems(candidate, liveSchemas(subject));
    }

    // ---- writes ----------------------------------------------------------------------------

    /**
     * Registers {@code schema} under {@code subject} and returns its global id: the existing id
     * when the subject already has it, the id it has under another subject, else a new one.
     */
    synchronized int register(String subject, Schema schema) {
        String canonical = schema.toString();
        for (SchemaVersion existing : versionsOf(subject, false)) {
            if (existing.schema().equals(canonical)) return existing.id();
        }
        List<String> problems = problems(subject, schema);
        if (!problems.isEmpty()) {
            throw new RegistryException(409, RegistryException.INCOMPATIBLE_SCHEMA,
                    "Schema being registered is incompatible with an earlier schema for subject \"" + subject
                            + "\", details: " + problems);
        }
        int id = idsBySchema.getOrDefault(canonical, maxId + 1);
        NavigableMap<Integer, SchemaVersion> all = subjects.get(subject);
        // versions keep counting after a soft delete, as in Confluent's registry
        int version = all == null || all.isEmpty() ? 1 : all.lastKey() + 1;
        write(schemaKey(subject, version), schemaValue(new SchemaVersion(subject, version, id, canonical, false)));
        return id;
    }

    /**
     * Soft delete, the only kind this registry has: the versions stay in the topic marked deleted,
     * so their ids keep resolving (records written with them are still on the topics) and an id
     * is never handed out twice, not even after a restart.
     *
     * @return the versions deleted
     */
    synchronized List<Integer> deleteSubject(String subject) {
        List<SchemaVersion> all = versionsOf(subject, true);
        if (all.isEmpty()) throw RegistryException.subjectNotFound(subject);
        List<SchemaVersion> live = all.stream().filter(v -> !v.deleted()).toList();
        if (live.isEmpty()) {
            throw new RegistryException(404, RegistryException.SUBJECT_SOFT_DELETED,
                    "Subject '" + subject + "' was soft deleted. This registry has no permanent delete");
        }
        for (SchemaVersion v : live) {
            write(schemaKey(subject, v.version()),
                    schemaValue(new SchemaVersion(subject, v.version(), v.id(), v.schema(), true)));
        }
        return live.stream().map(SchemaVersion::version).toList();
    }

    /** @param subject a subject, or null for the global level */
    synchronized void setLevel(String subject, CompatibilityLevel level) {
        write(configKey(subject), JSON.createObjectNode().put("compatibilityLevel", level.name()));
    }

    /** Drops a subject's own level (it falls back to the global one); returns the level it had. */
    synchronized CompatibilityLevel deleteSubjectLevel(String subject) {
        CompatibilityLevel previous = subjectLevels.get(subject);
        if (previous == null) throw RegistryException.subjectNotFound(subject);
        write(configKey(subject), null);
        return previous;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }

    // ---- the topic ---------------------------------------------------------------------------

    private void write(ObjectNode key, ObjectNode value) {
        byte[] keyBytes = bytes(key);
        byte[] valueBytes = value == null ? null : bytes(value);
        try {
            producer.send(new ProducerRecord<>(topic, 0, keyBytes, valueBytes)).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw RegistryException.storeError("writing to " + topic + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw RegistryException.storeError("writing to " + topic + " timed out after " + TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RegistryException.storeError("interrupted writing to " + topic, e);
        }
        apply(key, value);
    }

    private int replay(String bootstrapServers) {
        TopicPartition partition = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(bootstrapServers),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition), TIMEOUT).get(partition);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            int count = 0;
            while (consumer.position(partition, TIMEOUT) < end) {
                if (System.nanoTime() > deadline) {
                    throw RegistryException.storeError("reading " + topic + " did not reach offset " + end
                            + " within " + TIMEOUT + " (at " + consumer.position(partition) + ")", null);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    applyStored(record);
                    count++;
                }
            }
            return count;
        }
    }

    private void applyStored(ConsumerRecord<byte[], byte[]> record) {
        try {
            ObjectNode key = (ObjectNode) JSON.readTree(record.key());
            ObjectNode value = record.value() == null ? null : (ObjectNode) JSON.readTree(record.value());
            apply(key, value);
        } catch (IOException | ClassCastException | NullPointerException e) {
            // one unreadable record must not keep every other schema from loading
            log.warn("skipping unreadable record at {}-{} offset {}: {}", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
        }
    }

    /** The one place state changes: for writes just acknowledged and for records replayed on open. */
    private void apply(ObjectNode key, ObjectNode value) {
        switch (key.path("keytype").asText()) {
            case "SCHEMA" -> {
                String subject = key.get("subject").asText();
                int version = key.get("version").asInt();
                if (value == null) {
                    NavigableMap<Integer, SchemaVersion> versions = subjects.get(subject);
                    if (versions != null) {
                        versions.remove(version);
                        if (versions.isEmpty()) subjects.remove(subject);
                    }
                    return;
                }
                SchemaVersion stored = new SchemaVersion(subject, version, value.get("id").asInt(),
                        value.get("schema").asText(), value.path("deleted").asBoolean(false));
                subjects.computeIfAbsent(subject, s -> new TreeMap<>()).put(version, stored);
                schemasById.putIfAbsent(stored.id(), stored.schema());
                idsBySchema.putIfAbsent(stored.schema(), stored.id());
                maxId = Math.max(maxId, stored.id());
            }
            case "CONFIG" -> {
                JsonNode subjectNode = key.get("subject");
                String subject = subjectNode == null || subjectNode.isNull() ? null : subjectNode.asText();
                CompatibilityLevel level = value == null ? null
                        : CompatibilityLevel.parse(value.path("compatibilityLevel").asText()).orElse(null);
                if (subject == null) {
                    globalLevel = level == null ? CompatibilityLevel.DEFAULT : level;
                } else if (level == null) {
                    subjectLevels.remove(subject);
                } else {
                    subjectLevels.put(subject, level);
                }
            }
            default -> { } // NOOP, MODE, DELETE_SUBJECT ... carry nothing this registry keeps
        }
    }

    private List<SchemaVersion> versionsOf(String subject, boolean includeDeleted) {
        NavigableMap<Integer, SchemaVersion> versions = subjects.get(subject);
        if (versions == null) return List.of();
        return versions.values().stream().filter(v -> includeDeleted || !v.deleted()).toList();
    }

    private List<CompatibilityLevel.Versioned> liveSchemas(String subject) {
        return versionsOf(subject, false).stream()
                .map(v -> new CompatibilityLevel.Versioned(v.version(), new Schema.Parser().parse(v.schema())))
                .toList();
    }

    private static ObjectNode schemaKey(String subject, int version) {
        ObjectNode key = JSON.createObjectNode();
        key.put("keytype", "SCHEMA").put("subject", subject).put("version", version).put("magic", 1);
        return key;
    }

    private static ObjectNode schemaValue(SchemaVersion v) {
        ObjectNode value = JSON.createObjectNode();
        value.put("subject", v.subject()).put("version", v.version()).put("id", v.id())
                .put("schema", v.schema()).put("deleted", v.deleted());
        return value;
    }

    private static ObjectNode configKey(String subject) {
        ObjectNode key = JSON.createObjectNode().put("keytype", "CONFIG");
        if (subject == null) key.putNull("subject"); else key.put("subject", subject);
        return key.put("magic", 0);
    }

    private static byte[] bytes(ObjectNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void createTopicIfMissing(String bootstrapServers, String topic) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "schema-registry-admin");
        try (Admin admin = Admin.create(props)) {
            NewTopic schemas = new NewTopic(topic, 1, (short) 1).configs(Map.of(
                    "cleanup.policy", "compact",
                    // acks=all must mean "on disk on every replica": here that is the one replica
                    "min.insync.replicas", "1"));
            admin.createTopics(List.of(schemas)).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            log.debug("created schema topic {}", topic);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw RegistryException.storeError("cannot create topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
            }
        } catch (TimeoutException e) {
            throw RegistryException.storeError("creating topic " + topic + " timed out after " + TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RegistryException.storeError("interrupted creating topic " + topic, e);
        }
    }

    private static Properties producerConfig(String bootstrapServers) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "schema-registry-writer");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(TIMEOUT.toMillis()));
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(TIMEOUT.toMillis()));
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(TIMEOUT.toMillis()));
        return props;
    }

    private static Properties consumerConfig(String bootstrapServers) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "schema-registry-reader");
        // assigned, never subscribed: no group, nothing committed
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return props;
    }
}
