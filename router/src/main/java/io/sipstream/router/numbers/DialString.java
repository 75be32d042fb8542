package io.sipstream.router.numbers;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * What a caller dialled, read three ways: {@code user}, the user part as typed (scheme, host and
 * parameters cut off, escapes decoded); {@code digits}, the same without visual separators
 * (space, '-', '.', '(', ')', '/'); and {@code phoneContext}, RFC 3966's context of a local number.
 *
 * <p>Accepts a bare user part ("+1 (555) 123-4567"), a SIP or SIPS URI
 * ("sip:+15551234567@edge;user=phone") or a tel URI ("tel:555-1234;phone-context=+1555").
 */
public record DialString(String raw, String user, String digits, String phoneContext) {

    public static DialString parse(String raw) {
        String s = raw == null ? "" : raw.trim();
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.startsWith("sip:")) s = s.substring(4);
        else if (lower.startsWith("sips:")) s = s.substring(5);
        else if (lower.startsWith("tel:")) s = s.substring(4);
        int at = s.lastIndexOf('@');
        if (at >= 0) s = s.substring(0, at);
        if (s.indexOf('%') >= 0) s = decode(s);
        String context = null;
        int semi = s.indexOf(';');
        if (semi >= 0) {
            for (String param : s.substring(semi + 1).split(";")) {
                int eq = param.indexOf('=');
                if (eq > 0 && param.substring(0, eq).trim().equalsIgnoreCase("phone-context")) {
                    context = param.substring(eq + 1).trim();
                }
            }
            s = s.substring(0, semi);
        }
        String user = s.trim();
        return new DialString(raw, user, stripSeparators(user), context == null || context.isEmpty() ? null : context);
    }

    /** True when nothing dialable is left. */
    public boolean isEmpty() { return digits.isEmpty(); }

    /** The context's own digits when it is a global number prefix ("+1-555" gives "+1555"); null for a domain name. */
    public String numericContext() {
        if (phoneContext == null || !phoneContext.startsWith("+")) return null;
        String d = stripSeparators(phoneContext);
        for (int i = 1; i < d.length(); i++) if (!Character.isDigit(d.charAt(i))) return null;
        return d.length() > 1 ? d : null;
    }

    static String stripSeparators(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case ' ', '\t', '-', '.', '(', ')', '/', '\u00a0' -> { }
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s; // a stray '%' is not an escape: keep the text as typed
        }
    }
}
