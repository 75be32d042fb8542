package io.sipstream.localstack;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * For tests of how clients ride out a Schema Registry that fails: a front for a real registry that
 * answers the first N registrations ({@code POST /subjects/{subject}/versions}) with 500 and error
 * code 50001, as a registry whose store is not ready does, and passes every other request through.
 * It keeps the method and path of every request it was asked, so a test can tell that a call did
 * no registry round trip.
 */
public final class FailingRegistryProxy implements AutoCloseable {
    private static final List<String> FORWARDED_HEADERS = List.of("Accept", "Content-Type", "Authorization");

    private final URI target;
    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicInteger failuresLeft;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    private FailingRegistryProxy(String registryUrl, int failFirstRegistrations) throws IOException {
        this.target = URI.create(registryUrl.endsWith("/") ? registryUrl.substring(0, registryUrl.length() - 1) : registryUrl);
        this.failuresLeft = new AtomicInteger(failFirstRegistrations);
        this.server = HttpServer.create(new InetSocketAddress(Ports.LOOPBACK, 0), 0);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    /** A proxy on a free loopback port in front of {@code registryUrl}. */
    public static FailingRegistryProxy start(String registryUrl, int failFirstRegistrations) {
        try {
            return new FailingRegistryProxy(registryUrl, failFirstRegistrations);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open the failing registry proxy: " + e.getMessage(), e);
        }
    }

    public String url() { return "http://" + Ports.LOOPBACK + ":" + server.getAddress().getPort(); }

    /** "METHOD /path" of every request so far, in order. */
    public List<String> requests() { return List.copyOf(requests); }

    /** Registrations and lookups ({@code POST /subjects/...}): what a serializer asks to learn its schema id. */
    public long idRequests() { return requests.stream().filter(r -> r.startsWith("POST /subjects/")).count(); }

    /** Registrations still to be answered 500. */
    public int failuresLeft() { return Math.max(0, failuresLeft.get()); }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            requests.add(method + " " + path);
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (method.equals("POST") && path.matches("/subjects/[^/]+/versions/?") && failuresLeft.getAndDecrement() > 0) {
                reply(exchange, 500, "{\"error_code\":50001,\"message\":\"Error in the backend data store (injected)\"}"
                        .getBytes(StandardCharsets.UTF_8), "application/vnd.schemaregistry.v1+json");
                return;
            }
            HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(target + path + (query == null ? "" : "?" + query)))
                    .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            for (String name : FORWARDED_HEADERS) {
                String value = exchange.getRequestHeaders().getFirst(name);
                if (value != null) forward.header(name, value);
            }
            HttpResponse<byte[]> answer = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
            reply(exchange, answer.statusCode(), answer.body(), answer.headers().firstValue("Content-Type").orElse("application/json"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void reply(HttpExchange exchange, int status, byte[] body, String contentType) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
        http.close();
    }
}
