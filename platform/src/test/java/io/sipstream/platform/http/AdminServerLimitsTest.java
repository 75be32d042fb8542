package io.sipstream.platform.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sipstream.platform.health.HealthRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a request body may cost the process that also runs the SIP edge: its size whatever the framing, its nesting. */
class AdminServerLimitsTest {
    private static final String KEY = "admin-limits-test-key-0123";
    private final HttpClient http = HttpClient.newHttpClient();
    private AdminServer admin;

    @BeforeEach
    void start() {
        admin = new AdminServer("127.0.0.1", 0, KEY, new HealthRegistry(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
                .bodyLimit("/v1/decks/{id}", 3_000_000)
                .routes(app -> {
                    app.post("/v1/echo", ctx -> ctx.json(Map.of("fields", Json.parseBody(ctx.body()).size())));
                    app.put("/v1/decks/{id}", ctx -> ctx.json(Map.of("bytes", ctx.bodyAsBytes().length)));
                    app.put("/v1/decks/{id}/rows", ctx -> ctx.json(Map.of("bytes", ctx.bodyAsBytes().length)));
                })
                .start();
    }

    @AfterEach
    void stop() { admin.close(); }

    @Test
    void shouldRefuseAChunkedBodyOverTheLimitWithoutReadingItAll() throws Exception {
        // a body without Content-Length (HttpClient sends an InputStream chunked): 20 MB of JSON whitespace
        AtomicLong sent = new AtomicLong();
        HttpResponse<String> response = post(HttpRequest.BodyPublishers.ofInputStream(() -> spaces(20_000_000, sent)));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(413);
        JsonNode error = Json.MAPPER.readTree(response.body());
        assertThat(error.get("error").asText()).isEqualTo("request body is larger than 1000000 bytes");
        assertThat(error.get("status").asInt()).isEqualTo(413);
        assertThat(healthz()).isEqualTo(200);
    }

    @Test
    void shouldAnswer413AsSoonAsTheLimitIsPassedAndCloseTheConnection() throws Exception {
        // the client sends 1.5 MB of a body it never ends: the answer must not wait for the rest
        try (Socket socket = new Socket("127.0.0.1", admin.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/echo HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + KEY
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            Arrays.fill(chunk, (byte) ' ');
            for (int sent = 0; sent < 1_500_000; sent += chunk.length) {
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();

            String response = new String(socket.getInputStream().readNBytes(300), StandardCharsets.US_ASCII);
            assertThat(response).startsWith("HTTP/1.1 413").contains("Connection: close")
                    .contains("{\"error\":\"request body is larger than 1000000 bytes\",\"status\":413,"); // then the problem members
        }
        assertThat(healthz()).isEqualTo(200);
    }

    @Test
    void shouldTakeAChunkedBodyUnderTheLimit() throws Exception {
        AtomicLong sent = new AtomicLong();
        InputStream body = new java.io.SequenceInputStream(spaces(900_000, sent),
                new java.io.ByteArrayInputStream("{\"a\": 1, \"b\": [2]}".getBytes(StandardCharsets.UTF_8)));
        HttpResponse<String> response = post(HttpRequest.BodyPublishers.ofInputStream(() -> body));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"fields\":2}");
    }

    @Test
    void shouldRefuseTenThousandLevelsOfNestingQuicklyAndStayUp() throws Exception {
        String deep = "{\"a\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            HttpResponse<String> response = post(HttpRequest.BodyPublishers.ofString(deep));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
            assertThat(response.body()).contains("nesting depth");
        });
        assertThat(healthz()).isEqualTo(200);
    }

    @Test
    void shouldRefuseNestingDeeperThanAnyBodyNeeds() throws Exception {
        // the deepest body the API takes is 4 levels; 65 is refused by our limit, not only by Jackson's default of 1000
        HttpResponse<String> deep = post(HttpRequest.BodyPublishers.ofString(nested(Json.MAX_NESTING_DEPTH + 1)));
        assertThat(deep.statusCode()).as(deep.body()).isEqualTo(400);
        assertThat(deep.body()).contains("nesting depth (65) exceeds the maximum allowed (64");
        HttpResponse<String> fine = post(HttpRequest.BodyPublishers.ofString(nested(Json.MAX_NESTING_DEPTH)));
        assertThat(fine.statusCode()).as(fine.body()).isEqualTo(200);
    }

    @Test
    void shouldTakeAsMuchAsARouteOwnLimitOnThatRouteOnly() throws Exception {
        byte[] deck = new byte[2_500_000];
        Arrays.fill(deck, (byte) '1');
        HttpResponse<String> big = put("/v1/decks/a-z", HttpRequest.BodyPublishers.ofByteArray(deck));
        assertThat(big.statusCode()).as(big.body()).isEqualTo(200);
        assertThat(big.body()).isEqualTo("{\"bytes\":2500000}");

        HttpResponse<String> elsewhere = put("/v1/decks/a-z/rows", HttpRequest.BodyPublishers.ofByteArray(deck));
        assertThat(elsewhere.statusCode()).as("the default limit on every other route").isEqualTo(413);
        assertThat(Json.MAPPER.readTree(elsewhere.body()).get("detail").asText()).isEqualTo("request body is larger than 1000000 bytes");

        AtomicLong sent = new AtomicLong();
        HttpResponse<String> tooBig = http.send(HttpRequest.newBuilder(URI.create(admin.url() + "/v1/decks/a-z")).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + KEY).PUT(HttpRequest.BodyPublishers.ofInputStream(() -> spaces(5_000_000, sent))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(tooBig.statusCode()).as("a chunked body past the route's own limit").isEqualTo(413);
        assertThat(tooBig.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith(Problem.CONTENT_TYPE));
        assertThat(Json.MAPPER.readTree(tooBig.body()).get("detail").asText()).isEqualTo("request body is larger than 3000000 bytes");
        assertThat(healthz()).isEqualTo(200);
    }

    private HttpResponse<String> put(String path, HttpRequest.BodyPublisher body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(admin.url() + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + KEY).PUT(body).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** An object holding arrays to {@code depth} levels in all. */
    private static String nested(int depth) {
        return "{\"a\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}";
    }

    private HttpResponse<String> post(HttpRequest.BodyPublisher body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(admin.url() + "/v1/echo")).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + KEY).POST(body).build(), HttpResponse.BodyHandlers.ofString());
    }

    private int healthz() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(admin.url() + "/healthz")).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    /** {@code size} spaces, made as they are read, counting what was read. */
    private static InputStream spaces(long size, AtomicLong sent) {
        return new InputStream() {
            @Override
            public int read() {
                if (sent.get() >= size) return -1;
                sent.incrementAndGet();
                return ' ';
            }

            @Override
            public int read(byte[] b, int off, int len) {
                long left = size - sent.get();
                if (left <= 0) return -1;
                int n = (int) Math.min(len, left);
                Arrays.fill(b, off, off + n, (byte) ' ');
                sent.addAndGet(n);
                return n;
            }
        };
    }
}
