package io.sipstream.registry.dialplan;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipstream.avro.DialPlanRule;
import io.sipstream.avro.DialPlanRuleType;
import io.sipstream.platform.accounts.AccountDoc;
import io.sipstream.platform.accounts.DialRule;
import io.sipstream.platform.dialplan.DialPattern;
import io.sipstream.platform.dialplan.DialPattern.InvalidPatternException;
import io.sipstream.platform.http.ApiException;
import io.sipstream.registry.rest.Body;
import io.sipstream.registry.rest.IfMatch;
import io.sipstream.registry.rest.Ids;
import io.sipstream.registry.store.RegistryStore;
import io.sipstream.registry.store.Written;
import io.sipstream.schemas.Topics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An account's dial plan: rules tried in order by the router. Each pattern is compiled here with the
 * router's own {@link DialPattern}, so a rule the router could not run is refused at write time.
 */
public final class DialPlanService {
    public static final int MAX_RULES = 500;
    private static final Set<String> RULE_FIELDS = Set.of("type", "pattern", "strip", "prepend", "replace", "trunks",
            "targetAccount", "reject", "route");
    private static final Pattern DIAL_CHARS = Pattern.compile("[0-9*#+]{0,32}");

    private final RegistryStore store;
    private final Clock clock;

    public DialPlanService(RegistryStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    public Written<List<DialRule>> put(String accountId, String bodyText, IfMatch ifMatch) {
        Ids.path(accountId, "id");
        List<DialRule> rules = parse(Body.parse(bodyText, Set.of("rules")));
        return store.update(() -> {
            RegistryStore.AccountRead read = store.accountToChange(accountId, ifMatch);
            AccountDoc next = read.doc().withDialPlan(rules).withVersion(store.nextVersion(), clock.instant());
            store.commit(read.change().set(read.key(), RegistryStore.encode(next))
                    .publish(Topics.REGISTRY_ACCOUNTS.name(), accountId, RegistryStore.tree(next)));
            return new Written<>(next.dialPlan(), false, next.version());
        });
    }

    public AccountDoc account(String accountId) { return store.account(Ids.path(accountId, "id")); }

    /** Reads and checks every rule; errors name the rule ({@code rules[2].pattern}) and the reason. */
    public static List<DialRule> parse(Body body) {
        List<JsonNode> nodes = body.objects("rules");
        if (nodes == null) throw ApiException.badRequest("rules", "is required (an array of rules, may be empty)");
        if (nodes.size() > MAX_RULES) throw ApiException.unprocessable("rules", "has " + nodes.size() + " rules; at most " + MAX_RULES);
        List<DialRule> rules = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) rules.add(rule(Body.of(nodes.get(i), "rules[" + i + "]", RULE_FIELDS), i));
        return rules;
    }

    private static DialRule rule(Body r, int index) {
        String typeText = r.string("type");
        if (typeText == null) throw ApiException.unprocessable(r.field("type"), "rule " + index + ": type is required (exact, prefix or regex)");
        DialPlanRuleType type;
        try {
            type = DialPlanRuleType.valueOf(typeText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.unprocessable(r.field("type"), "rule " + index + ": type '" + Ids.abbreviate(typeText) + "' is not exact, prefix or regex");
        }
        String pattern = r.string("pattern");
        int strip = r.integer("strip", 0, DialPattern.MAX_DIALLED) == null ? 0 : r.integer("strip");
        String prepend = r.string("prepend");
        if (prepend != null && !DIAL_CHARS.matcher(prepend).matches()) {
            throw ApiException.unprocessable(r.field("prepend"), "rule " + index + ": prepend may hold up to 32 digits, * # and +");
        }
        String replace = r.string("replace");
        if (replace != null) {
            if (type == DialPlanRuleType.PREFIX) {
                throw ApiException.unprocessable(r.field("replace"), "rule " + index + ": replace is for exact and regex rules; a prefix rule rewrites with strip and prepend");
            }
            boolean ok = type == DialPlanRuleType.EXACT ? replace.matches("[0-9*#+]{1,64}") : replace.matches("[0-9*#+$]{1,64}");
            if (!ok) {
                throw ApiException.unprocessable(r.field("replace"), "rule " + index + ": replace may hold up to 64 digits, * # +"
                        + (type == DialPlanRuleType.REGEX ? " and $1..$9 group references" : ""));
            }
        }
        List<String> trunks = r.strings("trunks");
        trunks = trunks == null ? List.of() : trunks;
        for (int t = 0; t < trunks.size(); t++) Ids.ref(trunks.get(t), r.field("trunks") + "[" + t + "]");
        String target = Ids.ref(r.string("targetAccount"), r.field("targetAccount"));
        Integer reject = r.integer("reject", 400, 699);
        String route = Ids.ref(r.string("route"), r.field("route"));
        if (reject != null && (target != null || !trunks.isEmpty() || route != null)) {
            throw ApiException.unprocessable(r.field("reject"), "rule " + index + ": a rule that rejects cannot also route (trunks, targetAccount, route)");
        }
        if (route != null && (target != null || !trunks.isEmpty())) {
            throw ApiException.unprocessable(r.field("route"), "rule " + index + ": route by a route of the table, or to trunks or a targetAccount, not both");
        }
        if (target != null && !trunks.isEmpty()) {
            throw ApiException.unprocessable(r.field("targetAccount"), "rule " + index + ": route to a targetAccount or to trunks, not both");
        }
        DialPlanRule avro = DialPlanRule.newBuilder().setType(type).setPattern(pattern == null ? "" : pattern).setStrip(strip)
                .setPrepend(prepend).setReplace(replace).setTrunks(trunks).setTargetAccount(target).setRejectStatus(reject).setRoute(route).build();
        try {
            DialPattern.compile(avro);
        } catch (InvalidPatternException e) {
            throw ApiException.unprocessable(r.field("pattern"), "rule " + index + ": " + e.getMessage());
        }
        return new DialRule(type.name().toLowerCase(Locale.ROOT), pattern, strip, prepend, replace, trunks, target, reject, route);
    }
}
