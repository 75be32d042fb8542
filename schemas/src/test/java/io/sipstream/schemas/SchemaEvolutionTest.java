package io.sipstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.api.Test;

/**
 * The build's schema gate: every schema of the catalogue must read data written with each
 * released version of it (BACKWARD), so consumers upgrade before producers. A release copies
 * src/main/avro to src/test/resources/released/&lt;version&gt;/.
 */
class SchemaEvolutionTest {
    private static final Path RELEASED = Path.of("src/test/resources/released");

    @Test
    void everyCurrentSchemaReadsEveryReleasedVersion() throws IOException {
        List<String> problems = new ArrayList<>();
        try (Stream<Path> releases = Files.list(RELEASED)) {
            for (Path release : releases.sorted().toList()) {
                Map<String, Schema> old = parseDirectory(release);
                for (Topic<?> topic : Topics.ALL) {
                    Schema current = topic.valueSchema();
                    Schema released = old.get(current.getFullName());
                    if (released == null) continue; // new in this version
                    var result = SchemaCompatibility.checkReaderWriterCompatibility(current, released);
                    if (result.getType() != SchemaCompatibilityType.COMPATIBLE) {
                        problems.add(topic.name() + " cannot read " + release.getFileName() + ": " + result.getResult().getIncompatibilities());
                    }
                }
            }
        }
        assertThat(problems).as("BACKWARD-incompatible schema changes").isEmpty();
    }

    @Test
    void theGateRefusesARequiredFieldWithoutDefault() throws IOException {
        Schema released = parseDirectory(RELEASED.resolve("0.1.0")).get("io.sipstream.avro.Trunk");
        Schema broken = new Schema.Parser().parse(released.toString()
                .replace("{\"name\":\"host\"", "{\"name\":\"sipRealm\",\"type\":\"string\"},{\"name\":\"host\""));
        var result = SchemaCompatibility.checkReaderWriterCompatibility(broken, released);
        assertThat(result.getType()).isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    }

    @Test
    void everyTopicOfTheCatalogueHasAReleasedOrNewSchemaThatParses() {
        assertThat(Topics.ALL).allSatisfy(t -> assertThat(t.valueSchema().getType()).isEqualTo(Schema.Type.RECORD));
        assertThat(Topics.ALL).extracting(Topic::name).doesNotHaveDuplicates();
    }

    /** Parses a directory of .avsc files; files that name types defined in others are retried until all resolve. */
    static Map<String, Schema> parseDirectory(Path dir) throws IOException {
        List<Path> pending;
        try (Stream<Path> files = Files.list(dir)) {
            pending = new ArrayList<>(files.filter(p -> p.toString().endsWith(".avsc")).sorted(Comparator.naturalOrder()).toList());
        }
        Schema.Parser parser = new Schema.Parser();
        Map<String, Schema> parsed = new LinkedHashMap<>();
        while (!pending.isEmpty()) {
            int before = pending.size();
            for (Path file : List.copyOf(pending)) {
                try {
                    Schema schema = parser.parse(Files.readString(file));
                    parsed.put(schema.getFullName(), schema);
                    pending.remove(file);
                } catch (org.apache.avro.SchemaParseException unresolvedYet) {
                    // refers to a type defined in a file not parsed yet
                }
            }
            if (pending.size() == before) throw new IllegalStateException("cannot parse " + pending);
        }
        return parsed;
    }
}
