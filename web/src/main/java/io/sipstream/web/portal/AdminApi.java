package io.sipstream.web.portal;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipstream.platform.http.AdminServer;
import io.sipstream.platform.http.ApiException;
import io.sipstream.platform.http.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The admin REST API as the portal uses it on a user's behalf: over HTTP on this process' own admin server,
 * with the API key, so that the portal goes through the registry's and billing's own validation, idempotency
 * and publishing, and needs none of their code. The user never sees the key, only what the portal passes on.
 */
final class AdminApi {
    /** An answer: its status and its JSON body (null when empty or not JSON). */
    record Answer(int status, JsonNode body) {
        boolean ok() { return status / 100 == 2; }

        /** The API's reason, from its problem document. */
        String reason() { return body != null && body.has("detail") ? body.get("detail").asText() : "status " + status; }
    }

    private final AdminServer admin;
    private final String apiKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    AdminApi(AdminServer admin, String apiKey) {
        this.admin = admin;
        this.apiKey = apiKey;
    }

    Answer get(String path) { return send("GET", path, null); }

    Answer send(String method, String path, Object body, String... headers) {
        String host = admin.host();
        if (host.equals("0.0.0.0") || host.equals("::") || host.isBlank()) host = "127.0.0.1"; // bound to every interface
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host)
                            + ":" + admin.port() + path))
                    .timeout(Duration.ofSeconds(15))
                    .header("Authorization", "Bearer " + apiKey)
                    .header("Content-Type", "application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(body)));
            if (headers.length > 0) request.headers(headers);
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode json = null;
            if (response.body().length > 0 && response.headers().firstValue("Content-Type").orElse("").contains("json")) {
                json = Json.MAPPER.readTree(response.body());
            }
            return new Answer(response.statusCode(), json);
        } catch (IOException e) {
            throw ApiException.unavailable("the admin API did not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted");
        }
    }

    /** The answer's body, or the API's refusal passed on with its status and reason. */
    static JsonNode expect(Answer answer) {
        if (!answer.ok()) {
            String field = answer.body() != null && answer.body().has("field") ? answer.body().get("field").asText() : null;
            throw new ApiException(answer.status() >= 500 ? 503 : answer.status(), field, answer.reason());
        }
        return answer.body();
    }
}
