package io.sipstream.router.routes;

import io.sipstream.avro.Route;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The shared route table's choice for a destination: the enabled routes whose destination matches
 * and whose time-of-day window holds, the longest prefix first (a regex ranks below every prefix),
 * then the lowest priority, then the route id (so the choice never depends on the table's order).
 * The caller tries them in this order: the next serves when none of a route's trunks can take the call.
 */
public final class RouteTable {

    /** A route that serves the destination now, and how specific its match is. */
    public record Candidate(Route route, int specificity) {}

    private static final Comparator<Candidate> ORDER = Comparator.comparingInt(Candidate::specificity).reversed()
            .thenComparingInt(c -> c.route().getPriority())
            .thenComparing(c -> c.route().getRouteId());

    public static List<Candidate> candidates(Iterable<Route> routes, String e164, long nowMillis) {
        List<Candidate> out = new ArrayList<>(2);
        for (Route route : routes) {
            if (route == null || !route.getEnabled()) continue;
            int specificity = Destinations.specificity(route.getDestination(), e164);
            if (specificity < 0 || !TimeWindows.active(route.getTimeOfDay(), nowMillis)) continue;
            out.add(new Candidate(route, specificity));
        }
        out.sort(ORDER);
        return out;
    }

    private RouteTable() {}
}
