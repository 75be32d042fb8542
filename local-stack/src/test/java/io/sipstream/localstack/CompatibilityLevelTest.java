package io.sipstream.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.localstack.CompatibilityLevel.Versioned;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class CompatibilityLevelTest {
    // v1 has a string field; v2 drops it; v3 brings it back as an int with a default
    private static final Schema V1 = record("{\"name\":\"a\",\"type\":\"string\"}");
    private static final Schema V2 = record();
    private static final Schema V3 = record("{\"name\":\"a\",\"type\":\"int\",\"default\":0}");
    private static final List<Versioned> HISTORY = List.of(new Versioned(1, V1), new Versioned(2, V2));

    @Test
    void shouldCheckOnlyTheLatestVersionUnlessTransitive() {
        assertThat(CompatibilityLevel.BACKWARD.problems(V3, HISTORY)).isEmpty();
        assertThat(CompatibilityLevel.BACKWARD_TRANSITIVE.problems(V3, HISTORY))
                .singleElement().asString().contains("TYPE_MISMATCH", "version 1");
    }

    @Test
    void shouldCheckTheDirectionOfEachLevel() {
        Schema withRequiredField = record("{\"name\":\"b\",\"type\":\"long\"}");
        List<Versioned> onlyV2 = List.of(new Versioned(1, V2));

        assertThat(CompatibilityLevel.BACKWARD.problems(withRequiredField, onlyV2)).isNotEmpty();
        assertThat(CompatibilityLevel.FORWARD.problems(withRequiredField, onlyV2)).isEmpty();
        assertThat(CompatibilityLevel.FULL.problems(withRequiredField, onlyV2)).isNotEmpty();
        assertThat(CompatibilityLevel.NONE.problems(withRequiredField, onlyV2)).isEmpty();
    }

    @Test
    void shouldParseLevelsCaseInsensitivelyAndRefuseOthers() {
        assertThat(CompatibilityLevel.parse("full_transitive")).contains(CompatibilityLevel.FULL_TRANSITIVE);
        assertThat(CompatibilityLevel.parse("SIDEWAYS")).isEmpty();
        assertThat(CompatibilityLevel.parse(null)).isEmpty();
    }

    private static Schema record(String... fields) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":[" + String.join(",", fields) + "]}");
    }
}
