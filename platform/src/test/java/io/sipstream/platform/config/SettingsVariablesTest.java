package io.sipstream.platform.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The names of settings as environment variables, both ways, and what code asked for. */
class SettingsVariablesTest {

    @Test
    void shouldNameTheVariableOfAKeyAndTheKeyOfAVariable() {
        assertThat(Settings.variableOf("kafka.bootstrap")).isEqualTo("SIPSTREAM_KAFKA_BOOTSTRAP");
        assertThat(Settings.keyOfVariable("SIPSTREAM_EDGE_VERDICT_TIMEOUT")).isEqualTo("edge.verdict.timeout");
        assertThat(Settings.keyOfVariable("PATH")).isNull();
    }

    @Test
    void shouldSayNoVariableSetsAKeyWithADash() {
        // SIPSTREAM_REGISTRY_NUMBERS_ALLOW_FICTIONAL is registry.numbers.allow.fictional, another key
        assertThat(Settings.variableOf("registry.numbers.allow-fictional")).isNull();
    }

    @Test
    void shouldListTheKeysAndPrefixesAskedForWhetherGivenOrNot() {
        Settings settings = Settings.of(Map.of("kafka.bootstrap", "k:9092"));
        settings.string("sip.domain", "x");
        settings.required("kafka.bootstrap");
        settings.under("kafka.client.");

        assertThat(settings.askedKeys()).containsExactly("kafka.bootstrap", "sip.domain");
        assertThat(settings.askedPrefixes()).containsExactly("kafka.client.");
    }
}
