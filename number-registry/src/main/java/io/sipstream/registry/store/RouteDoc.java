package io.sipstream.registry.store;

import java.time.Instant;
import java.util.List;

/**
 * A route of the shared route table as kept in Redis under {@code route:<id>} (JSON) and shown by
 * the API: the destinations it serves, how it orders its trunks (ordered, weighted, lcr), its
 * priority among routes of equally long prefixes, and when it serves (null: always).
 */
public record RouteDoc(String id, Destination destination, String strategy, List<Trunk> trunks, int priority,
                       boolean enabled, TimeWindow timeOfDay, long version, Instant updatedAt) {
    public RouteDoc {
        trunks = trunks == null ? List.of() : List.copyOf(trunks);
    }

    /** A trunk of the route; {@code weight} only for weighted routes. */
    public record Trunk(String trunk, Integer weight) {}

    /** Days (mon..sun; empty: every day), from and to (HH:mm, to excluded), zone (an IANA zone id). */
    public record TimeWindow(List<String> days, String from, String to, String zone) {
        public TimeWindow {
            days = days == null ? List.of() : List.copyOf(days);
        }
    }
}
