package io.sipstream.platform.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import io.javalin.json.JavalinJackson;
import io.javalin.openapi.HttpMethod;
import io.javalin.openapi.OpenApi;
import io.javalin.openapi.OpenApiContent;
import io.javalin.openapi.OpenApiResponse;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sipstream.platform.config.ConfigException;
import io.sipstream.platform.config.Settings;
import io.sipstream.platform.health.HealthRegistry;
import io.sipstream.platform.metrics.HttpServerMetrics;
import io.sipstream.platform.metrics.ProcessMetrics;
import jakarta.servlet.DispatcherType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.eclipse.jetty.servlet.FilterHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server of a service process: every service mounts its REST routes on it before it
 * starts. Every path but the probes (/livez, /readyz, /healthz) and /metrics needs
 * {@code Authorization: Bearer <api key>}; errors are RFC 9457 problem details ({@link Problem}) with a
 * 4xx or 5xx status. A request body is limited as it is read ({@link BodyLimit}): {@value #MAX_BODY_BYTES}
 * bytes, or what {@link #bodyLimit} sets for a route. While it runs, /metrics shows the JVM's and the process' meters too
 * ({@link ProcessMetrics}) and every request is timed ({@link HttpServerMetrics}).
 *
 * <p>{@code GET /v1/openapi.json} describes every route of the server ({@link ApiDocument}): its own, and those of
 * each service that names its part of the document ({@link #documentation}) as it mounts its routes.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    /**
     * Where {@code http.host} is not set. Every interface, because a service in a container is reached from
     * outside it; {@code sipstream local} sets 127.0.0.1 itself (its {@code --http-host}).
     */
    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_PORT = 8080;
    static final int MIN_API_KEY = 16;
    /** The largest request body of a route without a limit of its own, whatever its framing. */
    public static final long MAX_BODY_BYTES = 1_000_000L;
    private static final Set<String> OPEN_PATHS = Set.of("/livez", "/readyz", "/healthz", "/metrics");
    /** The part of /v1/openapi.json that documents the routes of this class. */
    static final String DOCUMENT = "platform";
    public static final String OPENAPI_PATH = "/v1/openapi.json";

    private final Javalin app;
    private final String host;
    private final int port;
    private final byte[] apiKey;
    private final HealthRegistry health;
    private final PrometheusMeterRegistry metrics;
    private final BodyLimit bodyLimit = new BodyLimit(MAX_BODY_BYTES);
    private final List<String> documentParts = new ArrayList<>(List.of(DOCUMENT));
    /** Every route as Javalin registered it (method, path): what the document must describe. */
    private final List<Map.Entry<String, String>> routes = new CopyOnWriteArrayList<>();
    private volatile ObjectNode document;
    private ProcessMetrics processMetrics;
    private boolean started;
    /** Path prefixes that check their callers themselves (the web pages and their log-ins). */
    private final java.util.List<String> openPrefixes = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile BrowserSessions browserSessions;

    /**
     * The admin server the settings describe: {@code http.host} (default {@value #DEFAULT_HOST}),
     * {@code http.port} (default {@value #DEFAULT_PORT}) and {@code api.key}. Every process builds its server here.
     */
    public static AdminServer from(Settings settings, HealthRegistry health, PrometheusMeterRegistry metrics) {
        String apiKey = settings.required("api.key");
        if (apiKey.length() < MIN_API_KEY) throw new ConfigException("api.key", "must have at least " + MIN_API_KEY + " characters");
        return new AdminServer(settings.string("http.host", DEFAULT_HOST), settings.integer("http.port", DEFAULT_PORT, 0, 65535),
                apiKey, health, metrics);
    }

    public AdminServer(String host, int port, String apiKey, HealthRegistry health, PrometheusMeterRegistry metrics) {
        if (apiKey == null || apiKey.length() < MIN_API_KEY) {
            throw new IllegalArgumentException("the admin API key must have at least 16 characters");
        }
        this.host = host;
        this.port = port;
        this.apiKey = apiKey.getBytes(StandardCharsets.UTF_8);
        this.health = health;
        this.metrics = metrics;
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            // Javalin checks one size, against Content-Length only: BodyLimit checks that and counts the stream, per route
            config.http.maxRequestSize = Long.MAX_VALUE;
            config.jetty.modifyServletContextHandler(handler -> handler.addFilter(new FilterHolder(bodyLimit),
                    "/*", EnumSet.of(DispatcherType.REQUEST)));
            config.jsonMapper(new JavalinJackson(Json.MAPPER, false));
            config.requestLogger.http(new HttpServerMetrics(metrics)::record);
            config.events(events -> events.handlerAdded(h -> {
                if (h.getHttpMethod().isHttpMethod()) routes.add(Map.entry(h.getHttpMethod().name(), h.getPath()));
            }));
        });
        app.before(this::authenticate);
        // liveness apart from readiness: an orchestrator restarts a process that is not alive, and only stops
        // sending work to one that is not ready (a Redis outage makes every instance unready at once)
        app.get("/livez", this::livez);
        app.get("/readyz", this::readyz);
        app.get("/healthz", this::readyz); // /readyz's older name: docker-compose's healthchecks
        app.get("/metrics", this::metrics);
        app.get(OPENAPI_PATH, this::openApi);
        app.exception(ApiException.class, (e, ctx) -> {
            if (e.status() == 413) tooLarge(ctx, e.getMessage());
            else error(ctx, e.status(), e.field(), e.getMessage());
        });
        app.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), null, switch (e.getStatus()) {
            case 404 -> notFound(ctx); // Javalin's when no route matches
            case 405 -> notAllowed(ctx);
            default -> e.getMessage();
        }));
        app.exception(Exception.class, (e, ctx) -> {
            log.error("unhandled error on {} {}", ctx.method(), ctx.path(), e);
            error(ctx, 500, null, "internal error: " + e.getClass().getSimpleName());
        });
        app.error(404, ctx -> { if (ctx.result() == null) error(ctx, 404, null, notFound(ctx)); });
        app.error(405, ctx -> error(ctx, 405, null, notAllowed(ctx)));
    }

    /** Lets a service mount its routes; call before {@link #start()}. */
    public AdminServer routes(Consumer<Javalin> mount) {
        if (started) throw new IllegalStateException("routes must be mounted before the admin server starts");
        mount.accept(app);
        return this;
    }

    /**
     * Lets the route {@code path} (a route template such as {@code /v1/ratedecks/{id}}) take bodies up to
     * {@code maxBytes} instead of {@value #MAX_BODY_BYTES}; call before {@link #start()}.
     */
    public AdminServer bodyLimit(String path, long maxBytes) {
        if (started) throw new IllegalStateException("body limits must be set before the admin server starts");
        bodyLimit.route(path, maxBytes);
        return this;
    }

    /**
     * Lets the paths under {@code prefix} (such as {@code /console/}) be reached without the API key: their
     * handlers check their callers themselves. Call before {@link #start()}.
     */
    public AdminServer openPrefix(String prefix) {
        if (started) throw new IllegalStateException("open paths must be set before the admin server starts");
        if (!prefix.startsWith("/") || !prefix.endsWith("/") || prefix.length() < 3 || prefix.startsWith("/v1/")) {
            throw new IllegalArgumentException("an open prefix is a path of its own such as /console/, not " + prefix);
        }
        openPrefixes.add(prefix);
        return this;
    }

    /** Lets a request without {@code Authorization} in by a browser session instead ({@link BrowserSessions}). */
    public AdminServer browserSessions(BrowserSessions sessions) {
        if (started) throw new IllegalStateException("browser sessions must be set before the admin server starts");
        this.browserSessions = sessions;
        return this;
    }

    /** The API key this server admits, for a log-in that trades it for a session ({@link BrowserSessions}). */
    public boolean isApiKey(String given) {
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), apiKey); // constant time
    }

    /**
     * Adds the part {@code part} of the document (the {@code versions} of the {@code @OpenApi} annotations of the
     * routes a service mounts) to /v1/openapi.json; call before {@link #start()}.
     */
    public AdminServer documentation(String part) {
        if (started) throw new IllegalStateException("documentation must be named before the admin server starts");
        if (!documentParts.contains(part)) documentParts.add(part);
        document = null; // built again with the part
        return this;
    }

    /** The OpenAPI document of this server, as /v1/openapi.json sends it. */
    public ObjectNode openApiDocument() {
        ObjectNode built = document;
        if (built == null) document = built = ApiDocument.of(documentParts, this::isOpen);
        return built;
    }

    /** The routes this server answers ({@code GET /v1/x}) that its document does not describe: none, when complete. */
    public List<String> undocumentedRoutes() { return ApiDocument.undocumented(openApiDocument(), routes); }

    public AdminServer start() {
        processMetrics = ProcessMetrics.bindTo(metrics);
        app.start(host, port);
        started = true;
        log.info("admin REST API on http://{}:{}", host, app.port());
        return this;
    }

    /** The bound port (useful when configured with 0). */
    public int port() { return app.port(); }

    /** The listen address. */
    public String host() { return host; }

    public String url() { return "http://" + host + ":" + port(); }

    /** A path that needs no API key: a probe, /metrics, or one under an {@link #openPrefix}. */
    private boolean isOpen(String path) {
        if (OPEN_PATHS.contains(path)) return true;
        for (String prefix : openPrefixes) {
            if (path.startsWith(prefix) || path.equals(prefix.substring(0, prefix.length() - 1))) return true;
        }
        return false;
    }

    private void authenticate(Context ctx) {
        if (isOpen(ctx.path())) return;
        String header = ctx.header("Authorization");
        if (header == null && browserSessions != null && browserSessions.admits(ctx)) return;
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"sipstream\"");
            throw new ApiException(401, "Authorization", "missing API key: send Authorization: Bearer <key>");
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, apiKey)) { // constant time: no key guessing by timing
            throw new ApiException(403, "Authorization", "wrong API key");
        }
    }

    @OpenApi(path = "/livez", versions = DOCUMENT, tags = "probes", summary = "Whether the process runs",
            description = "200 while the process runs, whatever its dependencies: an orchestrator restarts a process that is not alive",
            responses = {@OpenApiResponse(status = "200", description = "alive", content = @OpenApiContent(from = HealthRegistry.Report.class)),
                    @OpenApiResponse(status = "503", description = "not alive", content = @OpenApiContent(from = HealthRegistry.Report.class))})
    private void livez(Context ctx) { probe(ctx, health.liveness()); }

    @OpenApi(path = "/readyz", versions = DOCUMENT, tags = "probes", summary = "Whether the process can take work",
            description = "every check of the process (Kafka, Redis, streams...): 503 when one is down",
            responses = {@OpenApiResponse(status = "200", description = "ready", content = @OpenApiContent(from = HealthRegistry.Report.class)),
                    @OpenApiResponse(status = "503", description = "not ready", content = @OpenApiContent(from = HealthRegistry.Report.class))})
    @OpenApi(path = "/healthz", versions = DOCUMENT, tags = "probes", summary = "/readyz's older name",
            responses = {@OpenApiResponse(status = "200", description = "ready", content = @OpenApiContent(from = HealthRegistry.Report.class)),
                    @OpenApiResponse(status = "503", description = "not ready", content = @OpenApiContent(from = HealthRegistry.Report.class))})
    private void readyz(Context ctx) { probe(ctx, health.check()); }

    @OpenApi(path = "/metrics", versions = DOCUMENT, tags = "probes", summary = "Every meter, in Prometheus' text format",
            responses = @OpenApiResponse(status = "200", description = "the scrape",
                    content = @OpenApiContent(mimeType = "text/plain", type = "string")))
    private void metrics(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
    }

    @OpenApi(path = OPENAPI_PATH, methods = HttpMethod.GET, versions = DOCUMENT, tags = "documentation",
            summary = "This document: every route this server answers",
            responses = {@OpenApiResponse(status = "200", description = "the OpenAPI 3 document",
                    content = @OpenApiContent(mimeType = "application/json", type = "object")),
                    @OpenApiResponse(status = "401", description = "no API key",
                            content = @OpenApiContent(from = Problem.class, mimeType = Problem.CONTENT_TYPE))})
    private void openApi(Context ctx) { ctx.contentType("application/json").result(ApiDocument.text(openApiDocument())); }

    private static void probe(Context ctx, HealthRegistry.Report report) {
        ctx.status(report.up() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json(report);
    }

    private static String notFound(Context ctx) { return "no such resource: " + ctx.path(); }

    private static String notAllowed(Context ctx) { return ctx.method() + " is not allowed on " + ctx.path(); }

    static void error(Context ctx, int status, String field, String message) {
        ctx.status(status).contentType(Problem.CONTENT_TYPE).result(problem(status, field, message));
    }

    private static byte[] problem(int status, String field, String message) {
        try {
            return Json.MAPPER.writeValueAsBytes(Problem.of(status, field, message));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e); // a map of strings and a number always writes
        }
    }

    /**
     * The 413 of a body over the limit, sent at once with {@code Connection: close}. Jetty 11 reads an
     * unread body to its end after an uncommitted response, to keep the connection: for a chunked body
     * that is as long as the client cares to send. A committed response skips that, and the connection
     * is closed instead.
     */
    private static void tooLarge(Context ctx, String message) {
        try {
            byte[] body = problem(413, null, message);
            ctx.status(413).header("Connection", "close").contentType(Problem.CONTENT_TYPE);
            ctx.res().setContentLength(body.length);
            ctx.res().getOutputStream().write(body);
            ctx.res().flushBuffer();
        } catch (java.io.IOException e) {
            log.debug("could not send 413 on {}: {}", ctx.path(), e.toString()); // the client is gone
        }
    }

    @Override
    public void close() {
        app.stop();
        if (processMetrics != null) processMetrics.close();
    }
}
