package io.sipstream.web.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sipstream.platform.health.HealthRegistry;
import io.sipstream.platform.http.AdminServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The console's sessions over plain HTTP on a real admin server: the API key is traded for a cookie that
 * the /v1 paths take in place of the key, writes need the session's CSRF token, and the pages are served
 * to anyone but say what they may load.
 */
class OperatorConsoleTest {
    private static final String KEY = "console-test-api-key-0123456789";
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-05T10:00:00Z"));
    private AdminServer admin;
    private String base;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        admin = new AdminServer("127.0.0.1", 0, KEY, new HealthRegistry(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        admin.routes(app -> {
            app.get("/v1/things", ctx -> ctx.result("listed"));
            app.put("/v1/things/{id}", ctx -> ctx.result("written " + ctx.pathParam("id")));
        });
        Clock clock = new Clock() {
            @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId zone) { return this; }
            @Override public Instant instant() { return now.get(); }
        };
        OperatorConsole.mount(admin, clock);
        admin.start();
        base = "http://127.0.0.1:" + admin.port();
    }

    @AfterEach
    void stop() { admin.close(); }

    private HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) b.headers(headers);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private record Login(String cookie, String csrf, String setCookie) {}

    private Login login(String... headers) throws Exception {
        HttpResponse<String> r = send("POST", "/console/session", "{\"apiKey\": \"" + KEY + "\"}", headers);
        assertThat(r.statusCode()).isEqualTo(201);
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        Matcher csrf = Pattern.compile("\"csrfToken\"\\s*:\\s*\"([^\"]+)\"").matcher(r.body());
        assertThat(csrf.find()).isTrue();
        return new Login(setCookie.substring(0, setCookie.indexOf(';')), csrf.group(1), setCookie);
    }

    @Test
    void shouldTradeTheApiKeyForAnHttpOnlyStrictCookieTheApiTakesInsteadOfTheKey() throws Exception {
        assertThat(send("GET", "/v1/things", null).statusCode()).isEqualTo(401);

        Login login = login();
        assertThat(login.setCookie()).startsWith(OperatorConsole.COOKIE + "=").contains("HttpOnly").containsIgnoringCase("SameSite=Strict")
                .doesNotContainIgnoringCase("Secure"); // plain HTTP here: a Secure cookie would never come back
        assertThat(login.cookie()).doesNotContain(KEY);

        HttpResponse<String> listed = send("GET", "/v1/things", null, "Cookie", login.cookie());
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(listed.body()).isEqualTo("listed");
        // the page asks for its token again after a reload
        assertThat(send("GET", "/console/session", null, "Cookie", login.cookie()).body()).contains(login.csrf());
        // the key still works as before, without a session
        assertThat(send("GET", "/v1/things", null, "Authorization", "Bearer " + KEY).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldRefuseAWriteWithoutTheSessionsCsrfToken() throws Exception {
        Login login = login();
        HttpResponse<String> none = send("PUT", "/v1/things/a", "{}", "Cookie", login.cookie());
        assertThat(none.statusCode()).isEqualTo(403);
        assertThat(none.body()).contains("CSRF").contains("X-CSRF-Token");
        assertThat(send("PUT", "/v1/things/a", "{}", "Cookie", login.cookie(), "X-CSRF-Token", "guessed").statusCode()).isEqualTo(403);
        Login other = login();
        assertThat(send("PUT", "/v1/things/a", "{}", "Cookie", login.cookie(), "X-CSRF-Token", other.csrf()).statusCode())
                .as("another session's token").isEqualTo(403);

        HttpResponse<String> written = send("PUT", "/v1/things/a", "{}", "Cookie", login.cookie(), "X-CSRF-Token", login.csrf());
        assertThat(written.statusCode()).isEqualTo(200);
        assertThat(written.body()).isEqualTo("written a");
        // logging out is a write too: a cross-site page cannot end the session
        assertThat(send("DELETE", "/console/session", null, "Cookie", login.cookie()).statusCode()).isEqualTo(403);
    }

    @Test
    void shouldRefuseAWrongKeyAndEndSessionsOnLogOutAndWhenIdle() throws Exception {
        HttpResponse<String> wrong = send("POST", "/console/session", "{\"apiKey\": \"not-the-key-0123456789\"}");
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(wrong.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(send("POST", "/console/session", "{}").statusCode()).isEqualTo(400);
        assertThat(send("POST", "/console/session", "not json").statusCode()).isEqualTo(400);
        assertThat(send("GET", "/v1/things", null, "Cookie", OperatorConsole.COOKIE + "=made-up").statusCode()).isEqualTo(401);

        Login login = login();
        assertThat(send("DELETE", "/console/session", null, "Cookie", login.cookie(), "X-CSRF-Token", login.csrf()).statusCode()).isEqualTo(204);
        assertThat(send("GET", "/v1/things", null, "Cookie", login.cookie()).statusCode()).isEqualTo(401);

        Login idle = login();
        now.set(now.get().plus(OperatorConsole.IDLE_TIMEOUT).minusSeconds(1));
        assertThat(send("GET", "/v1/things", null, "Cookie", idle.cookie()).statusCode()).isEqualTo(200);
        now.set(now.get().plus(OperatorConsole.IDLE_TIMEOUT).plusSeconds(1));
        assertThat(send("GET", "/v1/things", null, "Cookie", idle.cookie()).statusCode()).isEqualTo(401);
    }

    @Test
    void shouldMarkTheCookieSecureBehindAnHttpsProxy() throws Exception {
        assertThat(login("X-Forwarded-Proto", "https").setCookie()).contains("Secure");
    }

    @Test
    void shouldServeThePagesWithoutTheKeyButWithAPolicyThatLoadsOnlyThisServer() throws Exception {
        HttpResponse<String> index = send("GET", "/console/", null);
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(index.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("default-src 'self'").contains("frame-ancestors 'none'");
        assertThat(index.body()).contains("<label for=\"api-key\">");
        HttpResponse<String> script = send("GET", "/console/ui.js", null);
        assertThat(script.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
        assertThat(send("GET", "/console/nothing.js", null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/console/..%2Fapi.js", null).statusCode()).isIn(400, 404);
    }
}
