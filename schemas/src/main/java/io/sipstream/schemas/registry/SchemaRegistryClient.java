package io.sipstream.schemas.registry;

import java.util.List;
import org.apache.avro.Schema;

/** The subset of the Confluent Schema Registry REST API that sipstream's serdes and tools use. */
public interface SchemaRegistryClient {

    /** A registered schema: its global id, the subject's version and the schema. */
    record RegisteredSchema(String subject, int id, int version, Schema schema) {}

    /** POST /subjects/{subject}/versions: registers (or finds) the schema and returns its global id. */
    int register(String subject, Schema schema);

    /** POST /subjects/{subject}: the id of a schema already registered under the subject. */
    RegisteredSchema lookup(String subject, Schema schema);

    /** GET /schemas/ids/{id}. */
    Schema getById(int id);

    /** GET /subjects/{subject}/versions/{version}; version "latest" through {@link #getLatest}. */
    RegisteredSchema getVersion(String subject, int version);

    /** GET /subjects/{subject}/versions/latest. */
    RegisteredSchema getLatest(String subject);

    /** GET /subjects. */
    List<String> subjects();

    /** GET /subjects/{subject}/versions. */
    List<Integer> versions(String subject);

    /** POST /compatibility/subjects/{subject}/versions/latest: true when the schema may be registered. */
    boolean isCompatible(String subject, Schema schema);

    /** GET /config or /config/{subject}: the compatibility level (BACKWARD, FULL, NONE ...). */
    String compatibility(String subjectOrNull);

    /** PUT /config or /config/{subject}. */
    void setCompatibility(String subjectOrNull, String level);
}
