package io.sipstream.router.dryrun;

import io.javalin.Javalin;
import io.javalin.openapi.HttpMethod;
import io.javalin.openapi.OpenApi;
import io.javalin.openapi.OpenApiContent;
import io.javalin.openapi.OpenApiContentProperty;
import io.javalin.openapi.OpenApiRequestBody;
import io.javalin.openapi.OpenApiResponse;
import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.Direction;
import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.platform.http.ApiException;
import io.sipstream.platform.http.Json;
import io.sipstream.router.numbers.NumberNormalizer;
import io.sipstream.router.prepaid.Reservations;
import io.sipstream.router.topology.RouterOptions;
import io.sipstream.router.topology.RouterTopology;
import io.sipstream.router.topology.StoreRoutingState;
import io.sipstream.router.verdicts.OutboundRouting;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import io.sipstream.router.prepaid.Reservation;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;

/**
 * "What happens if this account dials X": the router's own outbound decision ({@link OutboundRouting}) on the
 * tables its running topology holds, read by interactive queries, without placing a call or changing a
 * store. The stream's momentary limits (concurrent calls, calls per second) are not applied: they depend on
 * the calls of the moment, not on the account's data. With several router instances, an instance answers
 * only for the accounts of its own partitions (another's are unknown to it).
 */
public final class DryRunDecisions {
    public static final String PATH = "/v1/routing/dry-run";
    /** The router's part of /v1/openapi.json. */
    public static final String DOCUMENT = "router";

    private final StoreRoutingState.Stores tables;
    private final Supplier<ReadOnlyKeyValueStore<String, Reservation>> reservations;
    private final Supplier<String> notReady;
    private final RouterOptions options;
    private final Clock clock;

    /**
     * @param tables the topology's table stores by name (timestamped key-value stores)
     * @param reservations the topology's {@link RouterTopology#RESERVATIONS_STORE}
     * @param notReady why the stores cannot be read now, for the 503
     */
    public DryRunDecisions(StoreRoutingState.Stores tables, Supplier<ReadOnlyKeyValueStore<String, Reservation>> reservations,
                           Supplier<String> notReady, RouterOptions options, Clock clock) {
        this.tables = tables;
        this.reservations = reservations;
        this.notReady = notReady;
        this.options = options;
        this.clock = clock;
    }

    /** Decisions on a running router's stores, by interactive queries. */
    public static DryRunDecisions of(KafkaStreams streams, RouterOptions options, Clock clock) {
        return new DryRunDecisions(
                store -> streams.store(StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.timestampedKeyValueStore())),
                () -> streams.store(StoreQueryParameters.fromNameAndType(RouterTopology.RESERVATIONS_STORE,
                        QueryableStoreTypes.<String, Reservation>keyValueStore())),
                () -> "the router is " + streams.state(), options, clock);
    }

    /** The verdict the router would give now to {@code accountId} dialling {@code dialled} (from {@code callerId}, optional). */
    public RoutingVerdict decide(String accountId, String dialled, String callerId) {
        long now = clock.millis();
        try {
            StoreRoutingState state = new StoreRoutingState(tables,
                    (account, except) -> Reservations.held(reservations.get(), account, except, now));
            OutboundRouting outbound = new OutboundRouting(state, new NumberNormalizer(), options.barred(),
                    options.prepaidMaxDuration(), options.emergencyNumbers(), options.emergencyTrunk());
            CallAttempt attempt = CallAttempt.newBuilder()
                    .setCallId("dry-run-" + UUID.randomUUID())
                    .setEdgeId("dry-run")
                    .setReplyPartition(0)
                    .setDirection(Direction.OUTBOUND)
                    .setAccountId(accountId)
                    .setFromUser(callerId == null ? "" : callerId)
                    .setDialled(dialled)
                    .setReceivedAt(Instant.ofEpochMilli(now))
                    .build();
            return outbound.decide(attempt, accountId, now);
        } catch (InvalidStateStoreException e) {
            throw ApiException.unavailable("the router's stores cannot be read now (" + notReady.get() + "): try again shortly");
        }
    }

    /** Mounts {@code POST /v1/routing/dry-run}. */
    public void mount(Javalin app) { app.post(PATH, this::dryRun); }

    @OpenApi(path = PATH, methods = HttpMethod.POST, versions = DOCUMENT, tags = "routing",
            summary = "What the router would decide now for a call the account places, without placing one (docs/api.md)",
            requestBody = @OpenApiRequestBody(required = true, content = @OpenApiContent(mimeType = "application/json", properties = {
                    @OpenApiContentProperty(name = "accountId", type = "string"), @OpenApiContentProperty(name = "dialled", type = "string"),
                    @OpenApiContentProperty(name = "callerId", type = "string")})),
            responses = {@OpenApiResponse(status = "200", description = "the decision: action, sipStatus, reason, destination, callerId, targets ...",
                    content = @OpenApiContent(mimeType = "application/json", type = "object")),
                    @OpenApiResponse(status = "400", description = "a missing or malformed field"),
                    @OpenApiResponse(status = "503", description = "the router's stores cannot be read now")})
    private void dryRun(io.javalin.http.Context ctx) {
        var body = Json.parseBody(ctx.body());
        String account = text(body, "accountId", true);
        String dialled = text(body, "dialled", true);
        String callerId = text(body, "callerId", false);
        ctx.json(describe(decide(account, dialled, callerId)));
    }

    private static String text(com.fasterxml.jackson.databind.JsonNode body, String field, boolean required) {
        var node = body.get(field);
        if (node == null || node.isNull()) {
            if (required) throw ApiException.badRequest(field, field + " is required");
            return null;
        }
        if (!node.isTextual() || node.asText().length() > 200) throw ApiException.badRequest(field, "must be a string of at most 200 characters");
        if (required && node.asText().isBlank()) throw ApiException.badRequest(field, field + " is required");
        return node.asText();
    }

    /** The verdict's fields an operator reads; the call id and timestamps of the made-up attempt are left out. */
    static Map<String, Object> describe(RoutingVerdict v) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("accountId", v.getAccountId());
        out.put("action", v.getAction().name());
        out.put("sipStatus", v.getSipStatus());
        out.put("reason", v.getReason());
        out.put("q850Cause", v.getQ850Cause());
        out.put("destination", v.getDestination());
        out.put("destinationRegion", v.getDestinationRegion());
        out.put("callerId", v.getCallerId());
        out.put("emergency", v.getEmergency());
        out.put("maxDurationSeconds", v.getMaxDurationSeconds());
        out.put("targets", targets(v.getTargets()));
        out.put("noAnswerSeconds", v.getNoAnswerSeconds());
        out.put("noAnswerTargets", targets(v.getNoAnswerTargets()));
        out.put("busyTargets", targets(v.getBusyTargets()));
        out.put("unavailableTargets", targets(v.getUnavailableTargets()));
        out.put("failureTargets", targets(v.getFailureTargets()));
        return out;
    }

    private static List<Map<String, Object>> targets(List<RouteTarget> targets) {
        return targets.stream().map(t -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", t.getKind().name());
            m.put("trunkId", t.getTrunkId());
            m.put("accountId", t.getAccountId());
            m.put("requestUri", t.getRequestUri());
            m.put("fromUser", t.getFromUser());
            return m;
        }).toList();
    }
}
