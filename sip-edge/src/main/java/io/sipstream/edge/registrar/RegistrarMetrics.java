package io.sipstream.edge.registrar;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Authenticated REGISTERs by outcome, {@code sipstream_edge_registrations_total{outcome}}. One that fails
 * authentication is counted by the auth meters instead; the account is never a tag.
 */
public final class RegistrarMetrics {

    /** What became of a REGISTER. */
    public enum Outcome {
        /** 200: contacts bound or refreshed. */
        REGISTERED,
        /** 200: contacts removed ({@code Expires: 0}, {@code Contact: *}). */
        REMOVED,
        /** 200: no Contact, the bindings listed. */
        QUERIED,
        /** 4xx: another's address, an expiry too brief, too many contacts, a malformed wildcard. */
        REFUSED,
        /** 503: Redis down or too slow. */
        UNAVAILABLE,
        /** 500. */
        FAILED
    }

    private final Map<Outcome, Counter> counters = new EnumMap<>(Outcome.class);

    public RegistrarMetrics(MeterRegistry registry) {
        for (Outcome o : Outcome.values()) {
            counters.put(o, Counter.builder("sipstream.edge.registrations").tag("outcome", o.name().toLowerCase(Locale.ROOT))
                    .description("REGISTERs that passed authentication, by outcome").register(registry));
        }
    }

    void count(Outcome outcome) { counters.get(outcome).increment(); }
}
