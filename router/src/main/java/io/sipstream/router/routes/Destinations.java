package io.sipstream.router.routes;

import io.sipstream.avro.DestinationPattern;
import io.sipstream.avro.DestinationType;
import io.sipstream.avro.DialPlanRuleType;
import io.sipstream.platform.dialplan.DialPattern;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Matches destination patterns of routes and trunks against an E.164 number: a PREFIX is digits the
 * number (without '+') starts with, a REGEX must match the whole number with its '+', through the
 * dial plans' bounded {@link DialPattern}.
 */
public final class Destinations {
    private static final Logger log = LoggerFactory.getLogger(Destinations.class);
    private static final int CACHE_LIMIT = 10_000;
    // Compiled regexes by source: routes change rarely, calls come often.
    private static final Map<String, Optional<DialPattern>> COMPILED = new ConcurrentHashMap<>();

    /**
     * How specific the match is: the prefix's length for a PREFIX, 0 for a REGEX (it ranks below
     * every prefix), or -1 when the pattern does not match.
     */
    public static int specificity(DestinationPattern pattern, String e164) {
        if (pattern == null || e164 == null || !e164.startsWith("+")) return -1;
        if (pattern.getType() == DestinationType.PREFIX) {
            return !pattern.getPattern().isEmpty() && e164.startsWith(pattern.getPattern(), 1) ? pattern.getPattern().length() : -1;
        }
        Optional<DialPattern> regex = compiled(pattern.getPattern());
        return regex.isPresent() && regex.get().matches(e164) ? 0 : -1;
    }

    public static boolean matches(DestinationPattern pattern, String e164) { return specificity(pattern, e164) >= 0; }

    /** Whether a trunk carries the number: it lists no destinations, or one of them matches. */
    public static boolean carries(List<DestinationPattern> trunkDestinations, String e164) {
        if (trunkDestinations == null || trunkDestinations.isEmpty()) return true;
        for (DestinationPattern p : trunkDestinations) if (matches(p, e164)) return true;
        return false;
    }

    private static Optional<DialPattern> compiled(String source) {
        Optional<DialPattern> found = COMPILED.get(source);
        if (found != null) return found;
        if (COMPILED.size() > CACHE_LIMIT) COMPILED.clear();
        Optional<DialPattern> made;
        try {
            made = Optional.of(DialPattern.compile(DialPlanRuleType.REGEX, source));
        } catch (IllegalArgumentException e) {
            // the registry refuses bad patterns; one that slips through matches nothing
            log.warn("skipping destination regex '{}': {}", source, e.getMessage());
            made = Optional.empty();
        }
        COMPILED.put(source, made);
        return made;
    }

    private Destinations() {}
}
