package io.sipstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose's `monitoring` profile held against the files it mounts (ops/): Prometheus scrapes every
 * service of the image, Grafana finds its data source and the dashboard. That the dashboard's series are
 * served is checked against a running stack (EdgeWithRealRouterTest).
 */
class MonitoringFilesTest {
    private static final Path ROOT = Files.exists(Path.of("..", "docker-compose.yml")) ? Path.of("..") : Path.of(".");
    private static final Pattern METRIC = Pattern.compile("\\b((?:sipstream|jvm|process|system|kafka)_[a-z0-9_]+)");

    @Test
    @SuppressWarnings("unchecked")
    void prometheusScrapesEveryServiceOfTheImageOnItsHttpPort() {
        Map<String, Object> compose = new Yaml().load(read("docker-compose.yml"));
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
        List<String> targets = new ArrayList<>();
        Map<String, Object> prometheus = new Yaml().load(read("ops/prometheus/prometheus.yml"));
        for (Object job : (List<?>) prometheus.get("scrape_configs")) {
            assertThat(((Map<String, Object>) job).get("metrics_path")).isEqualTo("/metrics");
            for (Object config : (List<?>) ((Map<String, Object>) job).get("static_configs")) {
                targets.addAll((List<String>) ((Map<String, Object>) config).get("targets"));
            }
        }
        List<String> expected = new ArrayList<>();
        services.forEach((name, service) -> {
            if ("sipstream:local".equals(service.get("image"))) {
                Map<String, Object> env = (Map<String, Object>) service.get("environment");
                expected.add(name + ":" + env.get("SIPSTREAM_HTTP_PORT"));
            }
        });
        assertThat(expected).isNotEmpty();
        assertThat(targets).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(services.get("prometheus").get("profiles")).isEqualTo(List.of("monitoring"));
        assertThat(services.get("grafana").get("profiles")).isEqualTo(List.of("monitoring"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyFileComposeMountsExists() {
        Map<String, Object> compose = new Yaml().load(read("docker-compose.yml"));
        ((Map<String, Map<String, Object>>) compose.get("services")).forEach((name, service) -> {
            for (Object volume : (List<?>) service.getOrDefault("volumes", List.of())) {
                String source = String.valueOf(volume).split(":")[0];
                if (source.startsWith("./")) assertThat(ROOT.resolve(source)).as(name + " mounts " + source).exists();
            }
        });
    }

    @Test
    void grafanaLoadsTheDashboardFromItsPrometheus() throws Exception {
        Map<String, Object> datasources = new Yaml().load(read("ops/grafana/provisioning/datasources/prometheus.yml"));
        Object uid = ((Map<?, ?>) ((List<?>) datasources.get("datasources")).get(0)).get("uid");
        JsonNode dashboard = new ObjectMapper().readTree(read("ops/grafana/sipstream.json"));
        List<String> uids = dashboard.findValues("datasource").stream().filter(d -> d.has("uid")).map(d -> d.get("uid").asText())
                .distinct().toList();
        assertThat(uids).containsExactly(String.valueOf(uid));
        assertThat(dashboard.get("uid").asText()).isEqualTo("sipstream");
        assertThat(dashboardMetrics()).contains("sipstream_edge_trunk_attempts_total", "sipstream_edge_trunk_answers_total",
                "sipstream_edge_call_duration_seconds_sum", "sipstream_edge_verdict_wait_seconds_bucket",
                "sipstream_edge_trunk_failures_total");
    }

    /** The metric names the dashboard's queries use. */
    static Set<String> dashboardMetrics() {
        try {
            JsonNode dashboard = new ObjectMapper().readTree(read("ops/grafana/sipstream.json"));
            Set<String> names = new TreeSet<>();
            for (JsonNode expr : dashboard.findValues("expr")) {
                Matcher m = METRIC.matcher(expr.asText());
                while (m.find()) names.add(m.group(1));
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(String file) {
        try {
            return Files.readString(ROOT.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + ROOT.resolve(file).toAbsolutePath(), e);
        }
    }
}
