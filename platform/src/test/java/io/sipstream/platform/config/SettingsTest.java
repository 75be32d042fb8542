package io.sipstream.platform.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {

    @Test
    void shouldNameEnvironmentVariablesByTheirKeys() {
        Settings settings = Settings.load(null, Map.of("SIPSTREAM_KAFKA_BOOTSTRAP", "kafka:9092", "PATH", "/bin"),
                Map.of("http.port", "9090"));

        assertThat(settings.asMap()).containsOnly(Map.entry("kafka.bootstrap", "kafka:9092"), Map.entry("http.port", "9090"));
    }

    @Test
    void shouldReportTheKeysNoCodeAskedFor() {
        Settings settings = Settings.of(Map.of("kafka.bootstrap", "kafka:9092", "edge.verdict.timeout", "3s",
                "kafka.client.security.protocol", "SSL", "kafka.bootsrap", "typo:9092", "edge.id", "1"));

        settings.required("kafka.bootstrap");
        assertThat(settings.duration("edge.verdict.timeout", Duration.ZERO)).isEqualTo(Duration.ofSeconds(3));
        settings.under("kafka.client.");
        settings.string("sip.domain", "absent.example");

        assertThat(settings.unread()).containsExactly("edge.id", "kafka.bootsrap");
        settings.integer("edge.id", 0, 0, 7);
        assertThat(settings.unread()).containsExactly("kafka.bootsrap");
    }
}
