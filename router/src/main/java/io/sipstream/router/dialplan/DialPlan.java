package io.sipstream.router.dialplan;

import io.sipstream.avro.DialPlanRule;
import io.sipstream.router.numbers.DialString;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an account's dial plan: the first rule (in the account's order) that matches decides the
 * number and the route. What each type of rule looks at:
 * <ul>
 *   <li>EXACT: the dialled user part as typed, or its digits ("*100", "411");</li>
 *   <li>PREFIX: a {@link DialPattern} against the dialled digits ("011.", "1NXXNXXXXXX");</li>
 *   <li>REGEX: a Java regular expression against the whole of the dialled digits, or else against
 *       the dialled number's E.164 form, so that both "^9(\d+)$" and "^\+44(\d+)$" work.</li>
 * </ul>
 * The rewrite then takes, in this order: the replacement (EXACT: the new number; REGEX: with $1
 * groups), {@code strip} leading characters off, {@code prepend} in front.
 */
public final class DialPlan {
    private static final Logger log = LoggerFactory.getLogger(DialPlan.class);
    private static final int CACHE_LIMIT = 10_000;
    private static final Object BROKEN = new Object();
    // Compiled patterns by type and source; dial plans change rarely, calls come often.
    private static final Map<String, Object> COMPILED = new ConcurrentHashMap<>();

    /** The rule that took a call and the number it made of it. */
    public record Match(int index, DialPlanRule rule, String number) {
        public boolean rejects() { return rule.getRejectStatus() != null; }

        /** "rule 2 (prefix 011.)", for reasons an operator reads. */
        public String describe() {
            return "dial plan rule " + (index + 1) + " (" + rule.getType().name().toLowerCase(Locale.ROOT) + " " + rule.getPattern() + ")";
        }
    }

    /** A matched rule whose rewrite cannot be applied (a bad replacement); the call must not go anywhere. */
    public static final class RewriteException extends RuntimeException {
        public RewriteException(String message) { super(message, null, false, false); }
    }

    /**
     * The first rule that takes the dialled string, or null when none does.
     *
     * @param e164 the dialled number in E.164, computed only when a regex rule needs it (null when
     *             the string is not a number)
     */
    public static Match match(List<DialPlanRule> rules, DialString dialled, Supplier<String> e164) {
        if (rules == null || rules.isEmpty()) return null;
        String e164Form = null;
        boolean e164Computed = false;
        for (int i = 0; i < rules.size(); i++) {
            DialPlanRule rule = rules.get(i);
            String pattern = rule.getPattern();
            switch (rule.getType()) {
                case EXACT -> {
                    if (pattern.equals(dialled.user()) || pattern.equals(dialled.digits())) {
                        String base = rule.getReplace() != null ? rule.getReplace() : dialled.digits();
                        return new Match(i, rule, finish(rule, base));
                    }
                }
                case PREFIX -> {
                    if (compiled(rule) instanceof DialPattern p && p.matches(dialled.digits())) {
                        return new Match(i, rule, finish(rule, dialled.digits()));
                    }
                }
                case REGEX -> {
                    if (!(compiled(rule) instanceof Pattern p)) continue;
                    Matcher m = p.matcher(dialled.digits());
                    if (!m.matches()) {
                        if (!e164Computed) {
                            e164Form = e164.get();
                            e164Computed = true;
                        }
                        if (e164Form == null || e164Form.equals(dialled.digits())) continue;
                        m = p.matcher(e164Form);
                        if (!m.matches()) continue;
                    }
                    String base = m.group();
                    if (rule.getReplace() != null) {
                        try {
                            StringBuilder sb = new StringBuilder();
                            m.appendReplacement(sb, rule.getReplace());
                            base = sb.toString();
                        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                            throw new RewriteException("dial plan rule " + (i + 1) + " (regex " + pattern + "): replacement '"
                                    + rule.getReplace() + "' cannot be applied: " + e.getMessage());
                        }
                    }
                    return new Match(i, rule, finish(rule, base));
                }
            }
        }
        return null;
    }

    private static String finish(DialPlanRule rule, String base) {
        String out = base;
        int strip = rule.getStrip();
        if (strip > 0) out = strip >= out.length() ? "" : out.substring(strip);
        if (rule.getPrepend() != null) out = rule.getPrepend() + out;
        return out;
    }

    private static Object compiled(DialPlanRule rule) {
        String key = rule.getType().name() + ':' + rule.getPattern();
        Object found = COMPILED.get(key);
        if (found != null) return found;
        if (COMPILED.size() > CACHE_LIMIT) COMPILED.clear();
        Object made;
        try {
            made = rule.getType() == io.sipstream.avro.DialPlanRuleType.REGEX
                    ? Pattern.compile(rule.getPattern())
                    : DialPattern.compile(rule.getPattern());
        } catch (IllegalArgumentException e) { // PatternSyntaxException too
            // The registry validates rules before publishing; one that slips through is skipped, not fatal.
            log.warn("skipping dial plan rule with a bad pattern: {}", e.getMessage());
            made = BROKEN;
        }
        COMPILED.put(key, made);
        return made;
    }

    private DialPlan() {}
}
