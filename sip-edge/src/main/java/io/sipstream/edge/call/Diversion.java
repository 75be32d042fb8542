package io.sipstream.edge.call;

import java.text.ParseException;
import java.util.regex.Pattern;
import javax.sip.header.Header;
import javax.sip.header.HeaderFactory;

/**
 * The Diversion entry (RFC 5806) of a forwarded call's leg: whose number the call was for and why it was forwarded,
 * which is what voicemail systems and carriers read to open the right box with the right greeting. The edge is the
 * diverting party, so it names the dialled number at its own host, counter 1; the caller's own entries follow it
 * ({@link ForwardHeaders}), the most recent diversion first as RFC 5806 orders them.
 */
final class Diversion {
    /** RFC 5806's reasons are tokens; a number is E.164 or digits. Anything else from a verdict is not sent. */
    private static final Pattern REASON = Pattern.compile("[a-z][a-z-]{0,31}");
    private static final Pattern NUMBER = Pattern.compile("\\+?[0-9]{1,20}");

    static final String NAME = "Diversion";

    /** Whether a verdict's number and reason may be written into a header as they are. */
    static boolean valid(String number, String reason) {
        return number != null && reason != null && NUMBER.matcher(number).matches() && REASON.matcher(reason).matches();
    }

    /** The header for a leg forwarded for {@code reason} from {@code number}; null when either is missing or malformed. */
    static Header of(HeaderFactory headers, String number, String host, String reason) throws ParseException {
        if (!valid(number, reason)) return null;
        return headers.createHeader(NAME, "<sip:" + number + "@" + host + ">;reason=" + reason + ";counter=1");
    }

    private Diversion() {}
}
