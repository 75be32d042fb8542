package io.sipstream.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sipstream.platform.health.HealthRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every error of an admin server is RFC 9457 problem details, with the members older clients read. */
class AdminServerProblemTest {
    private static final String KEY = "admin-problem-test-key-0123";
    private final HttpClient http = HttpClient.newHttpClient();
    private AdminServer admin;

    @BeforeEach
    void start() {
        admin = new AdminServer("127.0.0.1", 0, KEY, new HealthRegistry(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
                .routes(app -> {
                    app.post("/v1/things", ctx -> {
                        Json.parseBody(ctx.body());
                        throw ApiException.badRequest("name", "is required");
                    });
                    app.get("/v1/things/{id}", ctx -> { throw ApiException.notFound("thing " + ctx.pathParam("id")); });
                    app.get("/v1/broken", ctx -> { throw new IllegalStateException("a bug"); });
                })
                .start();
    }

    @AfterEach
    void stop() { admin.close(); }

    @Test
    void shouldAnswerABadRequestAsProblemDetailsKeepingErrorAndField() throws Exception {
        JsonNode problem = problem(send("POST", "/v1/things", "{}", KEY), 400);
        assertThat(problem.get("title").asText()).isEqualTo("Bad Request");
        assertThat(problem.get("detail").asText()).isEqualTo("is required");
        assertThat(problem.get("error").asText()).isEqualTo("is required");
        assertThat(problem.get("field").asText()).isEqualTo("name");
    }

    @Test
    void shouldAnswerAnUnknownRecordAndAnUnknownPathAsProblemDetails() throws Exception {
        assertThat(problem(send("GET", "/v1/things/t9", null, KEY), 404).get("detail").asText()).isEqualTo("thing t9 not found");
        JsonNode noRoute = problem(send("GET", "/v1/nothing/here", null, KEY), 404);
        assertThat(noRoute.get("detail").asText()).isEqualTo("no such resource: /v1/nothing/here");
        assertThat(noRoute.get("title").asText()).isEqualTo("Not Found");
        assertThat(noRoute.has("field")).isFalse();
    }

    @Test
    void shouldAnswerAMissingOrWrongApiKeyAsProblemDetails() throws Exception {
        HttpResponse<String> missing = send("GET", "/v1/things/t9", null, null);
        JsonNode problem = problem(missing, 401);
        assertThat(problem.get("title").asText()).isEqualTo("Unauthorized");
        assertThat(problem.get("field").asText()).isEqualTo("Authorization");
        assertThat(missing.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"sipstream\"");
        assertThat(problem(send("GET", "/v1/things/t9", null, "wrong-key-of-some-length"), 403).get("detail").asText())
                .isEqualTo("wrong API key");
    }

    @Test
    void shouldAnswerABodyOverTheLimitAsProblemDetails() throws Exception {
        // with Content-Length: refused before it is read
        JsonNode problem = problem(send("POST", "/v1/things", " ".repeat(1_200_000), KEY), 413);
        assertThat(problem.get("title").asText()).isEqualTo("Content Too Large");
        assertThat(problem.get("detail").asText()).isEqualTo("request body is larger than 1000000 bytes");
    }

    @Test
    void shouldAnswerABugAs500WithoutItsMessage() throws Exception {
        JsonNode problem = problem(send("GET", "/v1/broken", null, KEY), 500);
        assertThat(problem.get("detail").asText()).isEqualTo("internal error: IllegalStateException").doesNotContain("a bug");
    }

    private static JsonNode problem(HttpResponse<String> response, int status) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith(Problem.CONTENT_TYPE));
        JsonNode body = Json.MAPPER.readTree(response.body());
        assertThat(body.get("status").asInt()).isEqualTo(status);
        assertThat(body.get("type").asText()).isEqualTo("about:blank");
        assertThat(body.get("error").asText()).isEqualTo(body.get("detail").asText());
        return body;
    }

    private HttpResponse<String> send(String method, String path, String body, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(admin.url() + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) request.header("Authorization", "Bearer " + key);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
