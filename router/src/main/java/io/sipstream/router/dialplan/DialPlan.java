package io.sipstream.router.dialplan;

import io.sipstream.avro.DialPlanRule;
import io.sipstream.avro.DialPlanRuleType;
import io.sipstream.platform.dialplan.DialPattern;
import io.sipstream.router.numbers.DialString;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an account's dial plan: the first rule (in the account's order) that matches decides the
 * number and the route. Patterns are the platform's {@link DialPattern}s; what each type looks at:
 * <ul>
 *   <li>EXACT: the dialled user part as typed, or its digits without separators ("*100", "411");</li>
 *   <li>PREFIX: the dialled digits ("011.", "1NXXNXXXXXX", "9[2-9]!");</li>
 *   <li>REGEX: the whole of the dialled digits, or else the dialled number's E.164 form, so that
 *       both "9(\d+)" and "\+44(\d+)" work.</li>
 * </ul>
 * An EXACT or PREFIX rule that does not rewrite the number (no strip, no prepend) also sees the
 * E.164 form when the dialled string does not match it, so that "1900." catches "+1 900 ...",
 * "011 1 900 ..." and a national "900 ...": a pattern that starts with '+' sees it with its '+'
 * ("+19005550123"), any other its digits ("19005550123"). A rule that strips or prepends rewrites
 * what was dialled and sees only that: applied to a number already complete, a rewrite made for
 * dialling habits ("NXXNXXXXXX", prepend "+1") would turn it into another number. A rule matched
 * on the E.164 form routes the E.164 number (or an EXACT rule's replacement).
 * The rewrite is the platform's: the replacement (EXACT: the new number; REGEX: with $1 groups),
 * then {@code strip} leading characters off, then {@code prepend}.
 */
public final class DialPlan {
    private static final Logger log = LoggerFactory.getLogger(DialPlan.class);
    private static final int CACHE_LIMIT = 10_000;
    private static final Optional<DialPattern> BROKEN = Optional.empty();
    // Compiled patterns by type and source: dial plans change rarely, calls come often.
    private static final Map<String, Optional<DialPattern>> COMPILED = new ConcurrentHashMap<>();

    /** The rule that took a call and the number it made of it. */
    public record Match(int index, DialPlanRule rule, String number) {
        public boolean rejects() { return rule.getRejectStatus() != null; }

        /** "dial plan rule 2 (prefix 011.)", for reasons an operator reads. */
        public String describe() {
            return "dial plan rule " + (index + 1) + " (" + rule.getType().name().toLowerCase(Locale.ROOT) + " " + rule.getPattern() + ")";
        }
    }

    /**
     * The first rule that takes the dialled string, or null when none does.
     *
     * @param e164 the dialled number in E.164, asked for only when a rule needs it (null when the
     *             string is not a number)
     */
    public static Match match(List<DialPlanRule> rules, DialString dialled, Supplier<String> e164) {
        if (rules == null || rules.isEmpty()) return null;
        Supplier<String> number = new Supplier<>() { // asked at most once
            private String known;
            private boolean asked;

            @Override
            public String get() {
                if (!asked) {
                    known = e164.get();
                    asked = true;
                }
                return known;
            }
        };
        for (int i = 0; i < rules.size(); i++) {
            DialPlanRule rule = rules.get(i);
            Optional<DialPattern> compiled = compiled(rule);
            if (compiled.isEmpty()) continue;
            DialPattern pattern = compiled.get();
            String input = dialled.digits();
            Optional<Matcher> m = switch (rule.getType()) {
                case EXACT -> {
                    Optional<Matcher> typed = pattern.match(dialled.user());
                    if (typed.isPresent()) input = dialled.user();
                    yield typed.isPresent() ? typed : pattern.match(input);
                }
                case PREFIX -> pattern.match(input);
                case REGEX -> {
                    Optional<Matcher> raw = pattern.match(input);
                    if (raw.isPresent()) yield raw;
                    String e164Form = number.get();
                    if (e164Form == null || e164Form.equals(input)) yield raw;
                    input = e164Form;
                    yield pattern.match(input);
                }
            };
            if (m.isPresent()) return new Match(i, rule, DialPattern.rewrite(rule, m.get(), input));
            if (seesE164(rule)) {
                Match onE164 = matchE164(i, rule, pattern, number.get());
                if (onE164 != null) return onE164;
            }
        }
        return null;
    }

    /** Whether an EXACT or PREFIX rule is matched against the E.164 form too: when it does not rewrite the number. */
    static boolean seesE164(DialPlanRule rule) {
        return rule.getType() != DialPlanRuleType.REGEX && rule.getStrip() <= 0
                && (rule.getPrepend() == null || rule.getPrepend().isEmpty());
    }

    private static Match matchE164(int index, DialPlanRule rule, DialPattern pattern, String e164) {
        if (e164 == null) return null;
        String form = rule.getPattern().startsWith("+") ? e164 : e164.substring(1);
        Optional<Matcher> m = pattern.match(form);
        if (m.isEmpty()) return null;
        boolean replaces = rule.getReplace() != null && !rule.getReplace().isEmpty();
        return new Match(index, rule, replaces ? DialPattern.rewrite(rule, m.get(), form) : e164);
    }

    private static Optional<DialPattern> compiled(DialPlanRule rule) {
        String key = rule.getType().name() + ':' + rule.getPattern();
        Optional<DialPattern> found = COMPILED.get(key);
        if (found != null) return found;
        if (COMPILED.size() > CACHE_LIMIT) COMPILED.clear();
        Optional<DialPattern> made;
        try {
            made = Optional.of(DialPattern.compile(rule.getType(), rule.getPattern()));
        } catch (IllegalArgumentException e) {
            // The registry refuses bad rules; one that slips through is skipped, not fatal.
            log.warn("skipping dial plan rule {} '{}': {}", rule.getType(), rule.getPattern(), e.getMessage());
            made = BROKEN;
        }
        COMPILED.put(key, made);
        return made;
    }

    private DialPlan() {}
}
