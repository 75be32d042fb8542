package io.sipstream.router;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.VerdictAction;
import io.sipstream.platform.config.ConfigException;
import io.sipstream.platform.config.Settings;
import io.sipstream.platform.deadletter.DeadLetterHandler;
import io.sipstream.router.numbers.BarredPrefixes;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RouterConfigTest {
    private static final Map<String, String> REQUIRED = Map.of("kafka.bootstrap", "127.0.0.1:9092",
            "schema.registry.url", "http://127.0.0.1:8081");

    private static RouterConfig config(String... keyValues) {
        Map<String, String> values = new HashMap<>(REQUIRED);
        for (int i = 0; i < keyValues.length; i += 2) values.put(keyValues[i], keyValues[i + 1]);
        return RouterConfig.from(Settings.of(values));
    }

    @Test
    void shouldDefaultEverySetting() {
        RouterConfig c = config();
        assertThat(c.applicationId()).isEqualTo("sipstream-router");
        assertThat(c.threads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(c.barred().prefixes()).containsExactlyInAnyOrderElementsOf(BarredPrefixes.DEFAULTS);
        assertThat(c.stateDir()).isEqualTo(Path.of("data/router"));
        assertThat(c.inboundRegion()).isEqualTo("US");
        assertThat(c.commitInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.sessionTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.pendingCallMaxAge()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.prepaidMaxDuration()).isEqualTo(Duration.ofHours(4));
    }

    @Test
    void shouldTakeTheOperatorsRegionsEmergencyNumbersUnlessTold() {
        assertThat(config().emergencyNumbers().operatorNumbers()).containsExactlyInAnyOrder("911", "933");
        assertThat(config().emergencyTrunk()).isNull();
        assertThat(config("router.inbound.region", "GB").emergencyNumbers().operatorNumbers()).containsExactlyInAnyOrder("999", "112");
        RouterConfig told = config("router.emergency.numbers", "911, 112,999", "router.emergency.trunk", "psap");
        assertThat(told.emergencyNumbers().operatorNumbers()).containsExactlyInAnyOrder("911", "112", "999");
        assertThat(told.emergencyTrunk()).isEqualTo("psap");
        assertThat(told.options(null).emergencyTrunk()).isEqualTo("psap");
        assertThatThrownBy(() -> config("router.emergency.numbers", "911,+15551234567"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("router.emergency.numbers").hasMessageContaining("+15551234567");
    }

    @Test
    void shouldReadTheLongestPrepaidCap() {
        assertThat(config("router.prepaid.max.duration", "90m").prepaidMaxDuration()).isEqualTo(Duration.ofMinutes(90));
        assertThat(config("router.prepaid.max.duration", "90m").options(null).prepaidMaxDuration()).isEqualTo(Duration.ofMinutes(90));
        assertThatThrownBy(() -> config("router.prepaid.max.duration", "0s")).hasMessageContaining("router.prepaid.max.duration");
        assertThatThrownBy(() -> config("router.prepaid.max.duration", "500ms")).hasMessageContaining("router.prepaid.max.duration");
    }

    @Test
    void shouldReadTheBarredPrefixes() {
        assertThat(config("router.barred.prefixes", "+1900, 44 9").barred().prefixes()).containsExactly("+1900", "+449");
        assertThat(config("router.barred.prefixes", "none").barred().prefixes()).isEmpty();
    }

    @Test
    void shouldNameTheKeyOfABadSetting() {
        assertThatThrownBy(() -> config("router.barred.prefixes", "+1900,premium"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("router.barred.prefixes").hasMessageContaining("premium");
        assertThatThrownBy(() -> config("router.threads", "0")).hasMessageContaining("router.threads");
        assertThatThrownBy(() -> config("router.inbound.region", "XX")).hasMessageContaining("router.inbound.region");
        assertThatThrownBy(() -> config("router.application.id", "a b")).hasMessageContaining("router.application.id");
        assertThatThrownBy(() -> RouterConfig.from(Settings.of(Map.of()))).hasMessageContaining("kafka.bootstrap");
    }

    @Test
    void shouldTuneKafkaStreamsForTheVerdictPath() {
        Properties p = RouterService.streamsProperties(config("router.threads", "3", "router.state.dir", "/tmp/r1",
                "router.streams.poll.ms", "50"));
        assertThat(p.get(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("sipstream-router");
        assertThat(p.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG)).isEqualTo(3);
        assertThat(p.get(StreamsConfig.STATE_DIR_CONFIG)).isEqualTo("/tmp/r1");
        assertThat(p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.AT_LEAST_ONCE);
        assertThat(p.get(StreamsConfig.producerPrefix("linger.ms"))).isEqualTo(0);
        assertThat(p.get(StreamsConfig.consumerPrefix("fetch.min.bytes"))).isEqualTo(1);
        assertThat(p.get(StreamsConfig.consumerPrefix("fetch.max.wait.ms"))).isEqualTo(500);
        assertThat(p.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo(100L);
        assertThat(p.get(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG)).isEqualTo(DeadLetterHandler.class);
        assertThat(p.get(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG)).isEqualTo(DeadLetterHandler.class);
        assertThat(p.get(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG)).isEqualTo(DeadLetterHandler.class);
        assertThat(p.get("schema.registry.url")).isEqualTo("http://127.0.0.1:8081");
        assertThat(p.get("poll.ms")).isEqualTo("50");
        new StreamsConfig(p); // Kafka Streams accepts them
    }

    @Test
    void shouldCountVerdictsByActionAndStatus() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        var listener = RouterService.verdictCounters(registry);
        RoutingVerdict.Builder v = RoutingVerdict.newBuilder().setCallId("c").setEdgeId("e").setDecidedAt(Instant.EPOCH);
        listener.onVerdict(v.setAction(VerdictAction.ROUTE).setSipStatus(0).build());
        listener.onVerdict(v.setAction(VerdictAction.ROUTE).setSipStatus(0).build());
        listener.onVerdict(v.setAction(VerdictAction.REJECT).setSipStatus(403).build());
        assertThat(registry.get(RouterService.VERDICTS_METER).tags("action", "ROUTE", "status", "0").counter().count()).isEqualTo(2);
        assertThat(registry.get(RouterService.VERDICTS_METER).tags("action", "REJECT", "status", "403").counter().count()).isEqualTo(1);
    }
}
