package io.sipstream.router.dialplan;

import java.util.regex.Pattern;

/**
 * A dial pattern in the PBX notation accounts write their prefix rules in, matched against the
 * whole dialled digit string: {@code X} any digit, {@code Z} 1-9, {@code N} 2-9, {@code [15-7]} one
 * of a set, a trailing {@code .} one or more further characters, a trailing {@code !} zero or more;
 * anything else ({@code 0-9 * # +}) stands for itself. A leading {@code _} (Asterisk's marker) is
 * accepted and ignored.
 *
 * <p>Kept in router until the shared platform version exists; both must accept the same language.
 */
public final class DialPattern {
    private final String source;
    private final Pattern regex;

    private DialPattern(String source, Pattern regex) {
        this.source = source;
        this.regex = regex;
    }

    /** Compiles a pattern; throws IllegalArgumentException naming the position of what it cannot read. */
    public static DialPattern compile(String pattern) {
        if (pattern == null || pattern.isBlank()) throw new IllegalArgumentException("dial pattern is empty");
        String p = pattern.startsWith("_") ? pattern.substring(1) : pattern;
        if (p.isEmpty()) throw new IllegalArgumentException("dial pattern '" + pattern + "' is empty");
        StringBuilder re = new StringBuilder(p.length() * 4);
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            boolean last = i == p.length() - 1;
            switch (c) {
                case 'X', 'x' -> re.append("[0-9]");
                case 'Z', 'z' -> re.append("[1-9]");
                case 'N', 'n' -> re.append("[2-9]");
                case '.' -> {
                    if (!last) throw error(pattern, i, "'.' (one or more) may only end a pattern");
                    re.append(".+");
                }
                case '!' -> {
                    if (!last) throw error(pattern, i, "'!' (zero or more) may only end a pattern");
                    re.append(".*");
                }
                case '[' -> {
                    int close = p.indexOf(']', i);
                    if (close < 0) throw error(pattern, i, "'[' without ']'");
                    re.append('[').append(charClass(pattern, p.substring(i + 1, close), i)).append(']');
                    i = close;
                }
                case '*', '#', '+' -> re.append('\\').append(c);
                default -> {
                    if (c >= '0' && c <= '9') re.append(c);
                    else throw error(pattern, i, "'" + c + "' is not a digit, X, Z, N, [set], '*', '#', '+' or a trailing '.'/'!'");
                }
            }
        }
        return new DialPattern(pattern, Pattern.compile(re.toString()));
    }

    private static String charClass(String pattern, String body, int at) {
        if (body.isEmpty()) throw error(pattern, at, "empty set '[]'");
        StringBuilder out = new StringBuilder();
        for (int j = 0; j < body.length(); j++) {
            char c = body.charAt(j);
            if (c >= '0' && c <= '9') {
                out.append(c);
            } else if (c == '-' && j > 0 && j < body.length() - 1
                    && Character.isDigit(body.charAt(j + 1)) && body.charAt(j - 1) <= body.charAt(j + 1)) {
                out.append('-');
            } else if (c == '*' || c == '#') {
                out.append('\\').append(c);
            } else {
                throw error(pattern, at + 1 + j, "'" + c + "' is not allowed in a set (digits, ranges like 2-5, '*', '#')");
            }
        }
        return out.toString();
    }

    private static IllegalArgumentException error(String pattern, int index, String what) {
        return new IllegalArgumentException("dial pattern '" + pattern + "' at position " + (index + 1) + ": " + what);
    }

    /** True when the whole digit string matches. */
    public boolean matches(CharSequence digits) {
        return regex.matcher(digits).matches();
    }

    public String source() { return source; }

    @Override
    public String toString() { return source; }
}
