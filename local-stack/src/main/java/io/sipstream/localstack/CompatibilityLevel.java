package io.sipstream.localstack;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;

/**
 * Confluent's compatibility levels, decided by Avro's own reader/writer resolution rules
 * ({@link SchemaCompatibility}), so that "compatible" here means exactly what an Avro decoder
 * will accept at run time.
 */
public enum CompatibilityLevel {
    NONE(false, false, false),
    BACKWARD(true, false, false),
    BACKWARD_TRANSITIVE(true, false, true),
    FORWARD(false, true, false),
    FORWARD_TRANSITIVE(false, true, true),
    FULL(true, true, false),
    FULL_TRANSITIVE(true, true, true);

    /** Confluent's default for a registry with no configuration. */
    public static final CompatibilityLevel DEFAULT = BACKWARD;

    private final boolean newReadsOld;
    private final boolean oldReadsNew;
    private final boolean transitive;

    CompatibilityLevel(boolean newReadsOld, boolean oldReadsNew, boolean transitive) {
        this.newReadsOld = newReadsOld;
        this.oldReadsNew = oldReadsNew;
        this.transitive = transitive;
    }

    /** Case-insensitive, as Confluent accepts "backward" and "BACKWARD" alike. */
    public static Optional<CompatibilityLevel> parse(String text) {
        if (text == null) return Optional.empty();
        try {
            return Optional.of(valueOf(text.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Problems that stop {@code candidate} from following the registered schemas under this
     * level: empty when it may be registered.
     *
     * @param registered the subject's live versions, oldest first
     */
    public List<String> problems(Schema candidate, List<Versioned> registered) {
        if (this == NONE || registered.isEmpty()) return List.of();
        List<Versioned> against = transitive ? registered : List.of(registered.getLast());
        List<String> problems = new ArrayList<>();
        for (Versioned earlier : against) {
            problems.addAll(problemsAgainst(candidate, earlier));
        }
        return problems;
    }

    /** Problems of {@code candidate} against exactly one earlier version (the per-version compatibility endpoint). */
    public List<String> problemsAgainst(Schema candidate, Versioned earlier) {
        if (this == NONE) return List.of();
        List<String> problems = new ArrayList<>();
        if (newReadsOld) {
            describe(SchemaCompatibility.checkReaderWriterCompatibility(candidate, earlier.schema()),
                    "new schema cannot read data written with version " + earlier.version(), problems);
        }
        if (oldReadsNew) {
            describe(SchemaCompatibility.checkReaderWriterCompatibility(earlier.schema(), candidate),
                    "version " + earlier.version() + " cannot read data written with the new schema", problems);
        }
        return problems;
    }

    private void describe(SchemaCompatibility.SchemaPairCompatibility result, String direction, List<String> out) {
        for (Incompatibility incompatibility : result.getResult().getIncompatibilities()) {
            out.add("{errorType:'" + incompatibility.getType() + "', description:'" + direction + " ("
                    + this + "): " + incompatibility.getMessage() + " at " + incompatibility.getLocation() + "'}");
        }
    }

    /** A registered schema with its version within the subject. */
    public record Versioned(int version, Schema schema) {}
}
