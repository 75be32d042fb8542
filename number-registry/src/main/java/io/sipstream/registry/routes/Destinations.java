package io.sipstream.registry.routes;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipstream.avro.DialPlanRuleType;
import io.sipstream.platform.dialplan.DialPattern;
import io.sipstream.platform.dialplan.DialPattern.InvalidPatternException;
import io.sipstream.platform.http.ApiException;
import io.sipstream.registry.rest.Body;
import io.sipstream.registry.rest.Ids;
import io.sipstream.registry.store.Destination;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads destination patterns of routes and trunks: {@code {"type": "prefix", "pattern": "+44"}}
 * (an E.164 prefix, '+' optional, stored as its digits) or {@code {"type": "regex", "pattern":
 * "\\+44(20|121)\\d+"}} (over the whole E.164 number with its '+'), compiled with the dial plans'
 * own {@link DialPattern}, so the router can run whatever is accepted here.
 */
public final class Destinations {
    public static final int MAX_PER_TRUNK = 100;
    private static final Set<String> FIELDS = Set.of("type", "pattern");

    public static Destination read(JsonNode node, String field) {
        Body b = Body.of(node, field, FIELDS);
        String type = b.string("type");
        if (type == null) throw ApiException.unprocessable(b.field("type"), "is required (prefix or regex)");
        String pattern = b.string("pattern");
        if (pattern == null) throw ApiException.unprocessable(b.field("pattern"), "is required");
        switch (type.toLowerCase(Locale.ROOT)) {
            case "prefix" -> {
                if (!pattern.matches("\\+?[0-9]{1,15}")) {
                    throw ApiException.unprocessable(b.field("pattern"), "'" + Ids.abbreviate(pattern)
                            + "' is not an E.164 prefix (1 to 15 digits, '+' optional)");
                }
                return new Destination("prefix", pattern.startsWith("+") ? pattern.substring(1) : pattern);
            }
            case "regex" -> {
                try {
                    DialPattern.compile(DialPlanRuleType.REGEX, pattern);
                } catch (InvalidPatternException e) {
                    throw ApiException.unprocessable(b.field("pattern"), e.getMessage());
                }
                return new Destination("regex", pattern);
            }
            default -> throw ApiException.unprocessable(b.field("type"), "'" + Ids.abbreviate(type) + "' is not prefix or regex");
        }
    }

    /** A trunk's list: null when not given. */
    public static List<Destination> readAll(Body body, String name) {
        List<JsonNode> nodes = body.objects(name);
        if (nodes == null) return null;
        if (nodes.size() > MAX_PER_TRUNK) {
            throw ApiException.unprocessable(body.field(name), "has " + nodes.size() + " patterns; at most " + MAX_PER_TRUNK);
        }
        List<Destination> out = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            Destination d = read(nodes.get(i), body.field(name) + "[" + i + "]");
            if (!out.contains(d)) out.add(d);
        }
        return out;
    }

    private Destinations() {}
}
