package io.sipstream.platform.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipstream.platform.ServiceContext;
import io.sipstream.platform.config.ConfigException;
import io.sipstream.platform.config.Settings;
import io.sipstream.platform.health.HealthRegistry.Status;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one way a process builds its admin server from its settings. */
class AdminServerTest {
    private static final String KEY = "admin-test-api-key-0123";
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldListenOnEveryInterfaceWhenHttpHostIsNotSet() throws Exception {
        ServiceContext context = ServiceContext.create(settings(Map.of("http.port", "0")));
        assertThat(context.admin().host()).isEqualTo(AdminServer.DEFAULT_HOST).isEqualTo("0.0.0.0");
        try (AdminServer admin = context.admin().start()) {
            assertThat(get("http://127.0.0.1:" + admin.port() + "/healthz", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void shouldListenWhereHttpHostSaysAndGuardEveryPathButHealthWithTheKey() throws Exception {
        ServiceContext context = ServiceContext.create(settings(Map.of("http.host", "127.0.0.1", "http.port", "0")));
        try (AdminServer admin = context.admin().start()) {
            assertThat(admin.url()).isEqualTo("http://127.0.0.1:" + admin.port());
            assertThat(get(admin.url() + "/v1/anything", null).statusCode()).isEqualTo(401);
            assertThat(get(admin.url() + "/v1/anything", "wrong-key-of-some-length").statusCode()).isEqualTo(403);
            assertThat(get(admin.url() + "/v1/anything", KEY).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void shouldStayAliveButNotReadyWhileAReadinessCheckIsDown() throws Exception {
        ServiceContext context = ServiceContext.create(settings(Map.of("http.host", "127.0.0.1", "http.port", "0")));
        context.health().register("store", () -> Status.down("no PONG"));
        context.health().registerLiveness("engine", () -> Status.up("RUNNING"));
        try (AdminServer admin = context.admin().start()) {
            HttpResponse<String> live = get(admin.url() + "/livez", null);
            assertThat(live.statusCode()).as("a store outage is no reason to restart the process").isEqualTo(200);
            assertThat(live.body()).contains("engine").doesNotContain("store");
            HttpResponse<String> ready = get(admin.url() + "/readyz", null);
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("\"store\"", "no PONG", "engine");
            assertThat(get(admin.url() + "/healthz", null).statusCode()).as("/healthz is /readyz").isEqualTo(503);

            context.health().registerLiveness("engine", () -> Status.down("ERROR"));
            assertThat(get(admin.url() + "/livez", null).statusCode()).isEqualTo(503);
            context.health().register("store", () -> Status.up("PONG"));
            assertThat(get(admin.url() + "/readyz", null).statusCode()).as("not alive is not ready").isEqualTo(503);
            context.health().registerLiveness("engine", () -> Status.up("RUNNING"));
            assertThat(get(admin.url() + "/readyz", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void shouldExposeTheProcessMetersAndTimeRequestsByRouteTemplateWithoutTheKey() throws Exception {
        ServiceContext context = ServiceContext.create(settings(Map.of("http.host", "127.0.0.1", "http.port", "0")));
        context.admin().routes(app -> app.get("/v1/things/{id}", ctx -> ctx.result("ok")));
        try (AdminServer admin = context.admin().start()) {
            assertThat(get(admin.url() + "/v1/things/+15551230001", KEY).statusCode()).isEqualTo(200);
            assertThat(get(admin.url() + "/v1/nothing/here", KEY).statusCode()).isEqualTo(404);
            HttpResponse<String> metrics = get(admin.url() + "/metrics", null);

            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("jvm_memory_used_bytes", "jvm_gc_", "jvm_threads_live_threads",
                    "process_cpu_usage", "process_uptime_seconds", "system_cpu_count");
            assertThat(metrics.body()).contains(
                    "sipstream_http_server_requests_seconds_count{method=\"GET\",route=\"/v1/things/{id}\",status=\"200\"} 1",
                    "route=\"unmatched\",status=\"404\"");
            assertThat(metrics.body()).as("a path's values are never a tag").doesNotContain("15551230001", "/v1/nothing/here");
        }
    }

    @Test
    void shouldNameTheSettingOfAShortOrMissingApiKey() {
        Map<String, String> shortKey = new HashMap<>(Map.of("api.key", "too-short"));
        assertThatThrownBy(() -> ServiceContext.create(Settings.of(shortKey)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("api.key").hasMessageContaining("16");
        assertThatThrownBy(() -> ServiceContext.create(Settings.of(Map.of())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("api.key");
    }

    private static Settings settings(Map<String, String> values) {
        Map<String, String> all = new HashMap<>(values);
        all.put("api.key", KEY);
        return Settings.of(all);
    }

    private HttpResponse<String> get(String url, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
        if (key != null) request.header("Authorization", "Bearer " + key);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
