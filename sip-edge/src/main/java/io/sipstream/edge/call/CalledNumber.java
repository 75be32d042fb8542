package io.sipstream.edge.call;

import java.util.regex.Pattern;
import javax.sip.message.Request;

/**
 * The number an inbound call from a carrier is for (the DID the router finds the owner by). A carrier the edge
 * registers with sends its calls to the registered Contact, so the Request-URI's user is often the edge's account
 * name there, not the number: then the number is where such carriers put it, the To, else P-Called-Party-ID
 * (RFC 3455), else the top Diversion (RFC 5806: the number that was called before the carrier forwarded it to us).
 */
final class CalledNumber {
    /** E.164 with its '+', or the digits a carrier sends. */
    private static final Pattern NUMBER = Pattern.compile("\\+?[0-9]{1,20}");
    private static final String[] CARRIER_HEADERS = {"To", "P-Called-Party-ID", "Diversion"};

    /** The first number of the Request-URI, To, P-Called-Party-ID and Diversion; the Request-URI's user when none is one. */
    static String of(Request invite) {
        String requestUser = Identities.userOf(invite.getRequestURI());
        if (isNumber(requestUser)) return requestUser;
        for (String header : CARRIER_HEADERS) {
            String user = Identities.userOfHeader(invite, header);
            if (isNumber(user)) return user;
        }
        return requestUser; // the router refuses it, saying which number it could not route
    }

    private static boolean isNumber(String user) { return user != null && NUMBER.matcher(user).matches(); }

    private CalledNumber() {}
}
