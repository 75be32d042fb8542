package io.sipstream.edge.call;

import java.text.ParseException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.Header;
import javax.sip.header.HeaderFactory;

/**
 * The History-Info entries (RFC 7044) of a forwarded call's leg, for carriers and voicemail systems that read those
 * rather than Diversion: the dialled number, with the Reason its request ended with escaped in its URI, and the new
 * target, marked {@code mp} (retargeted to another user) with the RFC 4458 {@code cause} of the forward. They extend
 * the caller's own entries: the dialled number's index is a child of the caller's last one (1 when the caller sent
 * none), the target's a child of the dialled number's.
 */
final class HistoryInfo {
    static final String NAME = "History-Info";
    private static final Pattern INDEX = Pattern.compile(";\\s*index\\s*=\\s*([0-9]{1,3}(?:\\.[0-9]{1,3}){0,9})");

    /**
     * The two entries to append after the caller's {@code callers} History-Info headers; none when the number or reason
     * is malformed (as Diversion leaves it out).
     */
    static List<Header> of(HeaderFactory headers, List<String> callers, String number, String host, String reason, URI target)
            throws ParseException {
        if (!Diversion.valid(number, reason)) return List.of();
        int cause = causeOf(reason);
        String last = callers.isEmpty() ? null : lastIndex(callers.get(callers.size() - 1));
        String dialled = last == null ? "1" : last + ".1";
        URI to = (URI) target.clone();
        if (to instanceof SipURI sip) sip.setParameter("cause", Integer.toString(cause));
        return List.of(
                headers.createHeader(NAME, "<sip:" + number + "@" + host + "?Reason=SIP%3Bcause%3D" + cause + ">;index=" + dialled),
                headers.createHeader(NAME, "<" + to + ">;index=" + dialled + ".1;mp=" + dialled));
    }

    /** The index of the last entry in a History-Info header's text; null when it has none we can extend. */
    static String lastIndex(String headerValue) {
        String last = null;
        Matcher m = INDEX.matcher(headerValue);
        while (m.find()) last = m.group(1);
        return last;
    }

    /** The RFC 4458 cause of a RFC 5806 diversion reason (the SIP status the diverting party stands for). */
    static int causeOf(String reason) {
        return switch (reason) {
            case "user-busy" -> 486;
            case "no-answer" -> 408;
            case "unconditional" -> 302;
            case "deflection" -> 480;
            default -> 404; // unavailable, and what RFC 4458 has no code for: "unknown / not available"
        };
    }

    private HistoryInfo() {}
}
