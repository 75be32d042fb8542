package io.sipstream.schemas.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaValidationException;
import org.apache.avro.SchemaValidatorBuilder;

/**
 * An in-process registry for TopologyTestDriver tests, where no broker or registry runs. It keeps
 * the same rules as the real one (ids shared across subjects, BACKWARD checks) so serdes behave the
 * same; integration tests use the local stack's real registry instead.
 */
public final class InMemorySchemaRegistryClient implements SchemaRegistryClient {
    private final List<Schema> schemasById = new ArrayList<>();
    private final Map<String, List<Schema>> subjects = new LinkedHashMap<>();
    private final Map<String, String> compatibility = new LinkedHashMap<>();
    private String globalCompatibility = "BACKWARD";

    @Override
    public synchronized int register(String subject, Schema schema) {
        List<Schema> versions = subjects.computeIfAbsent(subject, s -> new ArrayList<>());
        if (versions.contains(schema)) return idOf(schema);
        if (!versions.isEmpty() && !isCompatible(subject, schema)) {
            throw SchemaRegistryException.of(409, SchemaRegistryException.INCOMPATIBLE_SCHEMA,
                    "schema for subject " + subject + " is incompatible with an earlier schema");
        }
        versions.add(schema);
        return idOf(schema);
    }

    private int idOf(Schema schema) {
        int index = schemasById.indexOf(schema);
        if (index < 0) {
            schemasById.add(schema);
            index = schemasById.size() - 1;
        }
        return index + 1;
    }

    @Override
    public synchronized RegisteredSchema lookup(String subject, Schema schema) {
        List<Schema> versions = subjects.get(subject);
        if (versions == null) throw notFound(SchemaRegistryException.SUBJECT_NOT_FOUND, "subject " + subject);
        int index = versions.indexOf(schema);
        if (index < 0) throw notFound(SchemaRegistryException.SCHEMA_NOT_FOUND, "schema under " + subject);
        return new RegisteredSchema(subject, idOf(schema), index + 1, schema);
    }

    @Override
    public synchronized Schema getById(int id) {
        if (id < 1 || id > schemasById.size()) throw notFound(SchemaRegistryException.SCHEMA_NOT_FOUND, "schema id " + id);
        return schemasById.get(id - 1);
    }

    @Override
    public synchronized RegisteredSchema getVersion(String subject, int version) {
        List<Schema> versions = subjects.get(subject);
        if (versions == null) throw notFound(SchemaRegistryException.SUBJECT_NOT_FOUND, "subject " + subject);
        if (version < 1 || version > versions.size()) {
            throw notFound(SchemaRegistryException.VERSION_NOT_FOUND, "version " + version + " of " + subject);
        }
        Schema schema = versions.get(version - 1);
        return new RegisteredSchema(subject, idOf(schema), version, schema);
    }

    @Override
    public synchronized RegisteredSchema getLatest(String subject) {
        List<Schema> versions = subjects.get(subject);
        if (versions == null) throw notFound(SchemaRegistryException.SUBJECT_NOT_FOUND, "subject " + subject);
        return getVersion(subject, versions.size());
    }

    @Override
    public synchronized List<String> subjects() { return List.copyOf(subjects.keySet()); }

    @Override
    public synchronized List<Integer> versions(String subject) {
        List<Schema> versions = subjects.get(subject);
        if (versions == null) throw notFound(SchemaRegistryException.SUBJECT_NOT_FOUND, "subject " + subject);
        List<Integer> out = new ArrayList<>();
        for (int v = 1; v <= versions.size(); v++) out.add(v);
        return out;
    }

    @Override
    public synchronized boolean isCompatible(String subject, Schema schema) {
        List<Schema> versions = subjects.get(subject);
        if (versions == null || versions.isEmpty()) return true;
        String level = compatibility.getOrDefault(subject, globalCompatibility);
        if (level.equals("NONE")) return true;
        SchemaValidatorBuilder builder = new SchemaValidatorBuilder();
        builder = switch (level) {
            case "FORWARD", "FORWARD_TRANSITIVE" -> builder.canBeReadStrategy();
            case "FULL", "FULL_TRANSITIVE" -> builder.mutualReadStrategy();
            default -> builder.canReadStrategy();
        };
        List<Schema> against = level.endsWith("_TRANSITIVE") ? versions : List.of(versions.get(versions.size() - 1));
        try {
            builder.validateAll().validate(schema, against);
            return true;
        } catch (SchemaValidationException e) {
            return false;
        }
    }

    @Override
    public synchronized String compatibility(String subjectOrNull) {
        return subjectOrNull == null ? globalCompatibility : compatibility.getOrDefault(subjectOrNull, globalCompatibility);
    }

    @Override
    public synchronized void setCompatibility(String subjectOrNull, String level) {
        if (subjectOrNull == null) globalCompatibility = level;
        else compatibility.put(subjectOrNull, level);
    }

    private static SchemaRegistryException notFound(int code, String what) {
        return SchemaRegistryException.of(404, code, what + " not found");
    }
}
