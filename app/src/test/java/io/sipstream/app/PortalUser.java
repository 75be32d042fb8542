package io.sipstream.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A portal user's HTTP client with its own cookie jar, as one browser; {@link #write} sends the session's CSRF token. */
final class PortalUser {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    String csrf;

    /** @param base the admin server's http://host:port */
    PortalUser(String base) { this.base = base; }

    HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) b.headers(headers);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> write(String method, String path, String body) throws Exception {
        return send(method, path, body, "X-CSRF-Token", csrf);
    }

    HttpResponse<String> signUp(String username, String password, String code) throws Exception {
        return send("POST", "/portal/api/signup", JSON.writeValueAsString(code == null ? Map.of("username", username, "password", password)
                : Map.of("username", username, "password", password, "signupCode", code)));
    }

    HttpResponse<String> logIn(String username, String password) throws Exception {
        HttpResponse<String> r = send("POST", "/portal/api/session", JSON.writeValueAsString(Map.of("username", username, "password", password)));
        if (r.statusCode() == 201) csrf = JSON.readTree(r.body()).get("csrfToken").asText();
        return r;
    }
}
