package io.sipstream.platform.metrics;

import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The admin server's requests, {@code sipstream_http_server_requests_seconds{method, route, status}}.
 * The route is the path template a request matched ({@code /v1/accounts/{accountId}}), never the path
 * itself: that would make a series of every account id and number. A request no route matched (an
 * unknown path, or refused before routing: 401) counts under route {@value #UNMATCHED}.
 */
public final class HttpServerMetrics {
    public static final String METER = "sipstream.http.server.requests";
    static final String UNMATCHED = "unmatched";

    private record Key(String method, String route, int status) {}

    private final MeterRegistry registry;
    private final Map<Key, Timer> timers = new ConcurrentHashMap<>();

    public HttpServerMetrics(MeterRegistry registry) { this.registry = registry; }

    /** Javalin's request logger: called once a request is answered, with the time it took. */
    public void record(Context ctx, Float millis) {
        Key key = new Key(ctx.method().name(), route(ctx), ctx.statusCode());
        Timer timer = timers.get(key);
        if (timer == null) {
            timer = timers.computeIfAbsent(key, k -> Timer.builder(METER)
                    .description("admin HTTP requests by method, route template and status")
                    .tag("method", k.method()).tag("route", k.route()).tag("status", Integer.toString(k.status()))
                    .register(registry));
        }
        timer.record((long) (millis * 1_000_000L), TimeUnit.NANOSECONDS);
    }

    private static String route(Context ctx) {
        try {
            String path = ctx.endpointHandlerPath();
            return path == null || path.isEmpty() || path.equals("*") ? UNMATCHED : path;
        } catch (RuntimeException e) { // no endpoint was matched
            return UNMATCHED;
        }
    }
}
