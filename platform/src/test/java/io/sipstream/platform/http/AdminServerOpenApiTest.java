package io.sipstream.platform.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sipstream.platform.health.HealthRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** /v1/openapi.json of an admin server: every route it answers, behind the API key, valid OpenAPI 3. */
class AdminServerOpenApiTest {
    private static final String KEY = "admin-openapi-test-key-0123";
    private final HttpClient http = HttpClient.newHttpClient();

    private static AdminServer server() {
        return new AdminServer("127.0.0.1", 0, KEY, new HealthRegistry(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    @Test
    void shouldDescribeEveryRouteOfTheServerInAValidDocumentBehindTheApiKey() throws Exception {
        try (AdminServer admin = server().start()) {
            HttpResponse<String> answer = get(admin, "/v1/openapi.json", KEY);
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");

            OpenApiAssertions.assertCompleteAndValid(admin, answer.body());
            JsonNode doc = Json.MAPPER.readTree(answer.body());
            assertThat(doc.path("paths").properties()).extracting(e -> e.getKey())
                    .containsExactlyInAnyOrder("/livez", "/readyz", "/healthz", "/metrics", "/v1/openapi.json");
            assertThat(doc.at("/components/securitySchemes/apiKey/scheme").asText()).isEqualTo("bearer");
            assertThat(doc.at("/security/0").has("apiKey")).isTrue();
            assertThat(doc.at("/paths/~1livez/get/security").isEmpty()).as("the probes need no key").isTrue();
            assertThat(doc.at("/paths/~1v1~1openapi.json/get").has("security")).as("the global API key applies").isFalse();
            assertThat(doc.at("/paths/~1v1~1openapi.json/get/responses/403/content/application~1problem+json/schema/$ref").asText())
                    .isEqualTo("#/components/schemas/Problem");
            assertThat(doc.at("/components/schemas/Problem/properties").has("detail")).isTrue();

            assertThat(get(admin, "/v1/openapi.json", null).statusCode()).isEqualTo(401);
            assertThat(get(admin, "/v1/openapi.json", "a-wrong-key-0123456789").statusCode()).isEqualTo(403);
        }
    }

    @Test
    void shouldNameARouteMountedWithoutDocumentation() {
        AdminServer admin = server().routes(app -> {
            app.get("/v1/things/{id}", ctx -> ctx.result("ok"));
            app.post("/v1/things", ctx -> ctx.status(201));
            app.before("/v1/*", ctx -> {}); // not a route: answers nothing by itself
        });
        try (admin) {
            assertThat(admin.undocumentedRoutes()).containsExactly("GET /v1/things/{id}", "POST /v1/things");
        }
    }

    @Test
    void shouldRefuseAPartOfTheDocumentThatNoModuleWrote() {
        AdminServer admin = server().documentation("no-such-part");
        try (admin) {
            assertThatThrownBy(admin::openApiDocument)
                    .hasMessageContaining("no OpenAPI part 'no-such-part'");
        }
    }

    private HttpResponse<String> get(AdminServer admin, String path, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(admin.url() + path)).timeout(Duration.ofSeconds(10));
        if (key != null) request.header("Authorization", "Bearer " + key);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
