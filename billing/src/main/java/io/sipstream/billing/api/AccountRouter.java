package io.sipstream.billing.api;

import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.sipstream.billing.StoreNames;
import io.sipstream.platform.http.ApiException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Serves an account's request on the billing instance that owns the account's partition. With
 * one instance (no {@code billing.advertised.url}) everything is local. With several, each
 * advertises its admin server as {@code application.server}; a request for an account owned by
 * another instance is forwarded there (same method, path, query, body and Authorization header)
 * and its answer relayed. A forwarded request carries {@link #FORWARDED_BY} and is always served
 * where it lands, so requests never travel in a loop while ownership moves; a failed forward
 * answers 503 with the reason.
 */
public final class AccountRouter {
    /** Marks a request one billing instance forwarded to another; its value is the sender's URL. */
    public static final String FORWARDED_BY = "X-Sipstream-Forwarded-By";
    private static final List<String> PASSED_HEADERS = List.of("Authorization", "Content-Type", "If-Match", "Accept", "Idempotency-Key");
    private static final Serializer<String> KEYS = new StringSerializer();

    private static final Pattern ACCOUNT_ID = Pattern.compile("[^|\\s/]{1,128}");

    /** A request about one account, served with the queries of the instance that owns it. */
    @FunctionalInterface
    public interface AccountHandler {
        void handle(Context ctx, String accountId, BillingQueries queries) throws Exception;
    }

    /** Where a request is served: here, with the queries to use, or on the owner. */
    public sealed interface Place {}

    public record Here(BillingQueries queries) implements Place {}

    public record There(HostInfo owner, int partition) implements Place {}

    private final Supplier<KafkaStreams> streams;
    private final Supplier<HostInfo> self;
    private final String scheme;
    private final BillingQueries queries;
    private final Duration timeout;
    private final MeterRegistry metrics;
    private final HttpClient http;

    /**
     * @param self this instance's advertised host and port; null (or supplying null) with one instance
     * @param scheme http or https, the scheme of every instance's admin server
     */
    public AccountRouter(Supplier<KafkaStreams> streams, Supplier<HostInfo> self, String scheme, BillingQueries queries,
                         Duration timeout, MeterRegistry metrics) {
        this.streams = streams;
        this.self = self;
        this.scheme = scheme;
        this.queries = queries;
        this.timeout = timeout;
        this.metrics = metrics;
        this.http = self == null ? null : HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
    }

    /**
     * Serves a request of {@code /v1/accounts/{id}/...} here when this instance owns the account,
     * else on the owner; the id must be one billing can key stores by.
     */
    public void route(Context ctx, AccountHandler handler) throws Exception {
        String accountId = accountId(ctx);
        switch (place(accountId, ctx.header(FORWARDED_BY) != null)) {
            case There there -> forward(ctx, accountId, there);
            case Here here -> handler.handle(ctx, accountId, here.queries());
        }
    }

    private static String accountId(Context ctx) { return checkedAccountId(ctx.pathParam("id"), "id"); }

    /** An account id billing can key stores by, else 400 naming {@code field}. */
    static String checkedAccountId(String id, String field) {
        if (!ACCOUNT_ID.matcher(id).matches()) {
            throw ApiException.badRequest(field, "account id '" + id + "' must be 1 to 128 characters without '|', '/' or spaces");
        }
        return id;
    }

    /** The other billing instances of this application (none with one instance), each serving its own partitions. */
    public List<HostInfo> others() {
        if (self == null) return List.of();
        KafkaStreams s = streams.get();
        HostInfo me = self.get();
        if (s == null || me == null) throw ApiException.unavailable("billing is starting: retry shortly");
        return s.metadataForAllStreamsClients().stream().map(m -> m.hostInfo()).filter(h -> !h.equals(me)).distinct().toList();
    }

    /**
     * A GET of {@code pathAndQuery} on another instance as a forwarded request, which it answers from its own
     * partitions only; the body of its 200, else 503 with why (its own error, or that it cannot be reached).
     */
    public byte[] getFrom(HostInfo other, String pathAndQuery, String authorization) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url(other) + pathAndQuery)).timeout(timeout).GET()
                .header(FORWARDED_BY, url(self.get())).header("Accept", "application/json")
                .header("Authorization", authorization == null ? "" : authorization).build();
        HttpResponse<byte[]> answer;
        try {
            answer = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            metrics.counter("sipstream.billing.forwarded.requests", "outcome", "failed").increment();
            String why = e instanceof HttpTimeoutException ? "no answer within " + timeout : e.toString();
            throw ApiException.unavailable("the billing instance at " + url(other) + " cannot be reached: " + why);
        }
        metrics.counter("sipstream.billing.forwarded.requests", "outcome", "relayed").increment();
        if (answer.statusCode() != 200) {
            throw ApiException.unavailable("the billing instance at " + url(other) + " answered " + answer.statusCode() + ": "
                    + new String(answer.body(), java.nio.charset.StandardCharsets.UTF_8));
        }
        return answer.body();
    }

    public Place place(String accountId, boolean forwarded) {
        HostInfo me = self == null ? null : self.get();
        if (self == null) return new Here(queries);
        KafkaStreams s = streams.get();
        if (s == null || me == null) throw ApiException.unavailable("billing is starting: retry shortly");
        KeyQueryMetadata owner;
        try {
            owner = s.queryMetadataForKey(StoreNames.BALANCES, accountId, KEYS);
        } catch (InvalidStateStoreException e) {
            owner = KeyQueryMetadata.NOT_AVAILABLE;
        }
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE) || owner.activeHost() == null
                || owner.activeHost().equals(HostInfo.unavailable())) {
            throw ApiException.unavailable("no billing instance owns account " + accountId
                    + " right now (the instances are rebalancing, " + s.state() + "): retry shortly");
        }
        if (forwarded || owner.activeHost().equals(me)) return new Here(queries.onPartition(owner.partition()));
        return new There(owner.activeHost(), owner.partition());
    }

    /** Sends the request to the owner and answers with what it answered. */
    public void forward(Context ctx, String accountId, There there) throws InterruptedException {
        String query = ctx.queryString();
        URI target = URI.create(url(there.owner()) + ctx.req().getRequestURI()
                + (query == null || query.isEmpty() ? "" : "?" + query));
        byte[] body = ctx.bodyAsBytes();
        HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(timeout)
                .method(ctx.method().name(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body))
                .header(FORWARDED_BY, url(self.get()));
        for (String name : PASSED_HEADERS) {
            String value = ctx.header(name);
            if (value != null) request.header(name, value);
        }
        HttpResponse<byte[]> answer;
        try {
            answer = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            metrics.counter("sipstream.billing.forwarded.requests", "outcome", "failed").increment();
            String why = e instanceof HttpTimeoutException ? "no answer within " + timeout : e.toString();
            throw ApiException.unavailable("account " + accountId + " (partition " + there.partition()
                    + ") is served by the billing instance at " + url(there.owner()) + ", which cannot be reached: " + why);
        }
        metrics.counter("sipstream.billing.forwarded.requests", "outcome", "relayed").increment();
        ctx.status(answer.statusCode());
        answer.headers().firstValue("Content-Type").ifPresent(ctx::contentType);
        answer.headers().firstValue("ETag").ifPresent(v -> ctx.header("ETag", v));
        ctx.result(answer.body());
    }

    private String url(HostInfo host) { return scheme + "://" + host.host() + ":" + host.port(); }
}
