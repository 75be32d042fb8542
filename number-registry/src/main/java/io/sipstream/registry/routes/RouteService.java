package io.sipstream.registry.routes;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipstream.platform.http.ApiException;
import io.sipstream.registry.rest.Body;
import io.sipstream.registry.rest.IfMatch;
import io.sipstream.registry.rest.Ids;
import io.sipstream.registry.rest.Pages;
import io.sipstream.registry.store.Change;
import io.sipstream.registry.store.Destination;
import io.sipstream.registry.store.RegistryStore;
import io.sipstream.registry.store.RouteDoc;
import io.sipstream.registry.store.Written;
import io.sipstream.schemas.Topics;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The route table shared by every account: {@code route:<id>} in Redis, published on registry.routes.
 * Every trunk a route names must exist when the route is written, and the commit checks that each
 * is still as read, so a trunk deleted meanwhile makes the write try again (and fail 422).
 */
public final class RouteService {
    public static final int MAX_TRUNKS = 32;
    public static final int MAX_WEIGHT = 1000;
    public static final int MAX_PRIORITY = 1000;
    public static final List<String> STRATEGIES = List.of("ordered", "weighted", "lcr");
    public static final List<String> DAYS = List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");
    private static final Set<String> FIELDS = Set.of("destination", "strategy", "trunks", "priority", "enabled", "timeOfDay",
            "id", "version", "updatedAt");
    private static final Set<String> TRUNK_FIELDS = Set.of("trunk", "weight");
    private static final Set<String> WINDOW_FIELDS = Set.of("days", "from", "to", "zone");
    private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm");

    private final RegistryStore store;
    private final Clock clock;

    public RouteService(RegistryStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    public RouteDoc get(String id) {
        RouteDoc doc = store.read(store.keys().route(Ids.path(id, "id")), RouteDoc.class);
        if (doc == null) throw ApiException.notFound("route " + id);
        return doc;
    }

    /** A page of routes in id order, as {@link #get} shows each. */
    public Pages.Page<RouteDoc> list(Pages.Request page) {
        store.syncIndex(store.keys().routes(), store.routeIndexKey());
        return Pages.fromIndex(store, store.routeIndexKey(), page,
                ids -> store.readAll(ids.stream().map(store.keys()::route).toList(), RouteDoc.class), null);
    }

    /** Every route, by id: the answer to a client that asks for no page (the list was whole before it had pages). */
    public List<RouteDoc> all() {
        List<RouteDoc> out = new ArrayList<>();
        for (String id : new TreeSet<>(store.members(store.keys().routes()))) {
            RouteDoc doc = store.read(store.keys().route(id), RouteDoc.class);
            if (doc != null) out.add(doc);
        }
        return out;
    }

    public Written<RouteDoc> put(String id, String bodyText, IfMatch ifMatch) {
        Ids.path(id, "id");
        Body b = Body.parse(bodyText, FIELDS);
        if (b.has("id") && !id.equals(b.string("id"))) {
            throw ApiException.badRequest("id", "the body's id '" + Ids.abbreviate(b.string("id")) + "' differs from the path's '" + id + "'");
        }
        if (!b.has("destination")) throw ApiException.unprocessable("destination", "is required ({\"type\": \"prefix\", \"pattern\": \"+44\"})");
        Destination destination = Destinations.read(b.raw("destination"), "destination");
        String strategy = b.string("strategy") == null ? "ordered" : b.string("strategy").toLowerCase(Locale.ROOT);
        if (!STRATEGIES.contains(strategy)) {
            throw ApiException.unprocessable("strategy", "'" + Ids.abbreviate(strategy) + "' is not ordered, weighted or lcr");
        }
        List<RouteDoc.Trunk> trunks = trunks(b, strategy);
        Integer priority = b.integer("priority", 0, MAX_PRIORITY);
        RouteDoc.TimeWindow window = b.has("timeOfDay") ? window(Body.of(b.raw("timeOfDay"), "timeOfDay", WINDOW_FIELDS)) : null;
        boolean enabled = b.bool("enabled", true);
        return store.update(() -> {
            String key = store.keys().route(id);
            String currentJson = store.get(key);
            RouteDoc current = RegistryStore.decode(currentJson, RouteDoc.class);
            ifMatch.check(current == null ? null : current.version());
            Change change = new Change().expect(key, currentJson);
            for (int i = 0; i < trunks.size(); i++) {
                String trunkKey = store.keys().trunk(trunks.get(i).trunk());
                String trunkJson = store.get(trunkKey);
                if (trunkJson == null) throw ApiException.unprocessable("trunks[" + i + "].trunk", "trunk " + trunks.get(i).trunk() + " is unknown");
                change.expect(trunkKey, trunkJson);
            }
            RouteDoc next = new RouteDoc(id, destination, strategy, trunks, priority == null ? 0 : priority, enabled, window,
                    store.nextVersion(), clock.instant());
            store.commit(change.set(key, RegistryStore.encode(next)).sadd(store.keys().routes(), id).index(store.routeIndexKey(), id)
                    .publish(Topics.REGISTRY_ROUTES.name(), id, RegistryStore.tree(next)));
            return new Written<>(next, current == null, next.version());
        });
    }

    public void delete(String id, IfMatch ifMatch) {
        Ids.path(id, "id");
        store.update(() -> {
            String key = store.keys().route(id);
            String currentJson = store.get(key);
            RouteDoc current = RegistryStore.decode(currentJson, RouteDoc.class);
            if (current == null) throw ApiException.notFound("route " + id);
            ifMatch.check(current.version());
            store.commit(new Change().expect(key, currentJson).del(key).srem(store.keys().routes(), id).unindex(store.routeIndexKey(), id)
                    .publish(Topics.REGISTRY_ROUTES.name(), id, null));
            return null;
        });
    }

    private static List<RouteDoc.Trunk> trunks(Body b, String strategy) {
        List<JsonNode> nodes = b.objects("trunks");
        if (nodes == null || nodes.isEmpty()) throw ApiException.unprocessable("trunks", "is required: 1 to " + MAX_TRUNKS + " trunks");
        if (nodes.size() > MAX_TRUNKS) throw ApiException.unprocessable("trunks", "has " + nodes.size() + " trunks; at most " + MAX_TRUNKS);
        Map<String, RouteDoc.Trunk> out = new LinkedHashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            Body t = Body.of(nodes.get(i), "trunks[" + i + "]", TRUNK_FIELDS);
            String trunk = t.string("trunk");
            if (trunk == null) throw ApiException.unprocessable(t.field("trunk"), "is required");
            Ids.ref(trunk, t.field("trunk"));
            Integer weight = t.integer("weight", 1, MAX_WEIGHT);
            if (weight != null && !strategy.equals("weighted")) {
                throw ApiException.unprocessable(t.field("weight"), "is for weighted routes; this route is " + strategy);
            }
            if (out.containsKey(trunk)) throw ApiException.unprocessable(t.field("trunk"), "trunk " + trunk + " is listed twice");
            out.put(trunk, new RouteDoc.Trunk(trunk, strategy.equals("weighted") ? (weight == null ? 1 : weight) : null));
        }
        return List.copyOf(out.values());
    }

    private static RouteDoc.TimeWindow window(Body w) {
        List<String> days = w.strings("days");
        List<String> canonical = new ArrayList<>();
        if (days != null) {
            for (int i = 0; i < days.size(); i++) {
                String day = days.get(i).toLowerCase(Locale.ROOT);
                if (!DAYS.contains(day)) {
                    throw ApiException.unprocessable(w.field("days") + "[" + i + "]", "'" + Ids.abbreviate(days.get(i)) + "' is not one of " + DAYS);
                }
                if (!canonical.contains(day)) canonical.add(day);
            }
        }
        String from = time(w, "from");
        String to = time(w, "to");
        if (from.equals(to)) throw ApiException.unprocessable(w.field("to"), "equals from: a window of no time (leave timeOfDay out to serve always)");
        String zone = w.string("zone") == null ? "UTC" : w.string("zone");
        try {
            ZoneId.of(zone);
        } catch (DateTimeException e) {
            throw ApiException.unprocessable(w.field("zone"), "'" + Ids.abbreviate(zone) + "' is not a time zone (e.g. UTC, Europe/London)");
        }
        canonical.sort(java.util.Comparator.comparingInt(DAYS::indexOf));
        return new RouteDoc.TimeWindow(canonical, from, to, zone);
    }

    private static String time(Body w, String name) {
        String text = w.string(name);
        if (text == null) throw ApiException.unprocessable(w.field(name), "is required (HH:mm)");
        try {
            return LocalTime.parse(text, HH_MM).format(HH_MM);
        } catch (DateTimeParseException e) {
            throw ApiException.unprocessable(w.field(name), "'" + Ids.abbreviate(text) + "' is not a time of day (HH:mm, 00:00 to 23:59)");
        }
    }
}
