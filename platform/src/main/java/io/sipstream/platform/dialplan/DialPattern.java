package io.sipstream.platform.dialplan;

import io.sipstream.avro.DialPlanRule;
import io.sipstream.avro.DialPlanRuleType;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One dial plan rule's pattern, compiled once: the registry compiles it to refuse a bad rule at
 * write time, the router to match dialled strings. Forms:
 * <ul>
 *   <li>EXACT: the dialled string as typed ({@code *100}, {@code 911}).</li>
 *   <li>PREFIX: Asterisk-style. {@code X} any digit, {@code Z} 1-9, {@code N} 2-9, {@code [1-5]} a
 *       class, digits and {@code * # +} literal; each stands for one character, so {@code NXXNXXXXXX}
 *       is a 10-digit number. A trailing {@code .} matches one or more further characters, a trailing
 *       {@code !} zero or more ({@code 011.} is anything after 011).</li>
 *   <li>REGEX: a Java regular expression that must match the whole dialled string; groups feed
 *       {@code $1} in the rule's replace.</li>
 * </ul>
 * Dialled strings longer than {@link #MAX_DIALLED} never match, and regex evaluation is bounded,
 * so a hostile pattern cannot stall a stream thread.
 */
public final class DialPattern {
    public static final int MAX_PATTERN = 200;
    public static final int MAX_DIALLED = 64;
    private static final long MAX_STEPS = 200_000;

    private final DialPlanRuleType type;
    private final String source;
    private final Pattern regex; // null for EXACT

    private DialPattern(DialPlanRuleType type, String source, Pattern regex) {
        this.type = type;
        this.source = source;
        this.regex = regex;
    }

    /** Compiles a pattern; throws InvalidPatternException saying what is wrong. */
    public static DialPattern compile(DialPlanRuleType type, String pattern) {
        if (type == null) throw new InvalidPatternException("rule type is missing (exact, prefix or regex)");
        if (pattern == null || pattern.isEmpty()) throw new InvalidPatternException("pattern is empty");
        if (pattern.length() > MAX_PATTERN) throw new InvalidPatternException("pattern is longer than " + MAX_PATTERN + " characters");
        return switch (type) {
            case EXACT -> {
                if (!pattern.matches("[0-9*#+]+")) {
                    throw new InvalidPatternException("exact pattern '" + pattern + "' may only hold digits, * # and +");
                }
                yield new DialPattern(type, pattern, null);
            }
            case PREFIX -> new DialPattern(type, pattern, Pattern.compile(prefixToRegex(pattern)));
            case REGEX -> {
                try {
                    yield new DialPattern(type, pattern, Pattern.compile(pattern));
                } catch (PatternSyntaxException e) {
                    throw new InvalidPatternException("regex '" + pattern + "' does not compile: " + e.getDescription()
                            + " near index " + e.getIndex());
                }
            }
        };
    }

    /** Compiles a rule and checks its rewrite too (group references within the regex's groups, strip not negative). */
    public static DialPattern compile(DialPlanRule rule) {
        DialPattern pattern = compile(rule.getType(), rule.getPattern());
        if (rule.getStrip() < 0) throw new InvalidPatternException("strip must not be negative");
        if (rule.getReplace() != null && pattern.regex != null) {
            Matcher refs = Pattern.compile("\\$(\\d+)").matcher(rule.getReplace());
            int groups = pattern.regex.matcher("").groupCount();
            while (refs.find()) {
                if (Integer.parseInt(refs.group(1)) > groups) {
                    throw new InvalidPatternException("replace '" + rule.getReplace() + "' refers to $" + refs.group(1)
                            + " but the pattern has " + groups + " group(s)");
                }
            }
        }
        return pattern;
    }

    static String prefixToRegex(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            boolean last = i == pattern.length() - 1;
            switch (c) {
                case 'X', 'x' -> regex.append("[0-9]");
                case 'Z', 'z' -> regex.append("[1-9]");
                case 'N', 'n' -> regex.append("[2-9]");
                case '*', '#', '+' -> regex.append('\\').append(c);
                case '.' -> {
                    if (!last) throw new InvalidPatternException("'.' is only allowed at the end of prefix pattern '" + pattern + "'");
                    regex.append(".+");
                }
                case '!' -> {
                    if (!last) throw new InvalidPatternException("'!' is only allowed at the end of prefix pattern '" + pattern + "'");
                    regex.append(".*");
                }
                case '[' -> {
                    int close = pattern.indexOf(']', i);
                    String body = close < 0 ? "" : pattern.substring(i + 1, close);
                    if (close < 0 || !body.matches("[0-9](-[0-9])?([0-9](-[0-9])?)*")) {
                        throw new InvalidPatternException("bad character class in prefix pattern '" + pattern
                                + "' at index " + i + " (use e.g. [1-5] or [136])");
                    }
                    regex.append('[').append(body).append(']');
                    i = close;
                }
                default -> {
                    if (c < '0' || c > '9') {
                        throw new InvalidPatternException("prefix pattern '" + pattern + "' has '" + c + "' at index " + i
                                + " (allowed: digits, X, Z, N, [..], * # +, and a trailing . or !)");
                    }
                    regex.append(c);
                }
            }
        }
        return regex.toString();
    }

    public DialPlanRuleType type() { return type; }

    public String source() { return source; }

    /** The match of a dialled string, or empty. */
    public Optional<Matcher> match(String dialled) {
        if (dialled == null || dialled.isEmpty() || dialled.length() > MAX_DIALLED) return Optional.empty();
        if (type == DialPlanRuleType.EXACT) {
            if (!source.equals(dialled)) return Optional.empty();
            Matcher m = Pattern.compile(Pattern.quote(source)).matcher(dialled);
            m.matches();
            return Optional.of(m);
        }
        Matcher m = regex.matcher(new BoundedInput(dialled, MAX_STEPS));
        try {
            return m.matches() ? Optional.of(m) : Optional.empty();
        } catch (BoundedInput.TooComplex e) {
            return Optional.empty();
        }
    }

    public boolean matches(String dialled) { return match(dialled).isPresent(); }

    /**
     * Applies the rule's rewrite to a dialled string it matches: EXACT and REGEX take {@code replace}
     * first (with $n groups for REGEX), then {@code strip} leading characters go and {@code prepend} is added.
     */
    public static String rewrite(DialPlanRule rule, Matcher match, String dialled) {
        String out = dialled;
        if (rule.getReplace() != null && !rule.getReplace().isEmpty()) {
            out = rule.getType() == DialPlanRuleType.REGEX ? expand(match, rule.getReplace()) : rule.getReplace();
        }
        int strip = Math.min(Math.max(rule.getStrip(), 0), out.length());
        out = out.substring(strip);
        if (rule.getPrepend() != null) out = rule.getPrepend() + out;
        return out;
    }

    private static String expand(Matcher match, String replacement) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < replacement.length(); i++) {
            char c = replacement.charAt(i);
            if (c == '$' && i + 1 < replacement.length() && Character.isDigit(replacement.charAt(i + 1))) {
                int group = replacement.charAt(++i) - '0';
                String value = group <= match.groupCount() ? match.group(group) : null;
                if (value != null) sb.append(value);
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() { return type + " " + source; }

    /** A pattern refused, with the reason an operator can act on. */
    public static final class InvalidPatternException extends IllegalArgumentException {
        public InvalidPatternException(String message) { super(message); }
    }

    /** Input that stops a regex after a step budget: the standard guard against catastrophic backtracking. */
    private static final class BoundedInput implements CharSequence {
        static final class TooComplex extends RuntimeException {
            TooComplex() { super(null, null, false, false); }
        }

        private final String text;
        private final long[] steps;
        private final long max;

        BoundedInput(String text, long max) { this(text, max, new long[1]); }

        private BoundedInput(String text, long max, long[] steps) {
            this.text = text;
            this.max = max;
            this.steps = steps;
        }

        @Override
        public char charAt(int index) {
            if (++steps[0] > max) throw new TooComplex();
            return text.charAt(index);
        }

        @Override
        public int length() { return text.length(); }

        @Override
        public CharSequence subSequence(int start, int end) { return new BoundedInput(text.substring(start, end), max, steps); }

        @Override
        public String toString() { return text; }
    }
}
