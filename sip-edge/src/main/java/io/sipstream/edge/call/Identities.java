package io.sipstream.edge.call;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sip.address.SipURI;
import javax.sip.address.TelURL;
import javax.sip.address.URI;
import javax.sip.header.Header;
import javax.sip.message.Request;

/** Reads users out of identity headers and URIs (P-Asserted-Identity, P-Preferred-Identity, From). */
public final class Identities {
    private static final Pattern USER = Pattern.compile("(?i)(?:sips?:([^@;>\\s]+)@|tel:([^;>\\s]+))");

    /** The user of P-Preferred-Identity, else of P-Asserted-Identity; null when neither is present. */
    public static String assertedUser(Request request) {
        for (String name : new String[] {"P-Preferred-Identity", "P-Asserted-Identity"}) {
            Header h = request.getHeader(name);
            if (h == null) continue;
            String text = h.toString();
            int colon = text.indexOf(':');
            String value = colon >= 0 ? text.substring(colon + 1) : text;
            Matcher m = USER.matcher(value);
            if (m.find()) return m.group(1) != null ? m.group(1) : m.group(2);
        }
        return null;
    }

    public static String userOf(URI uri) {
        if (uri instanceof SipURI sip) return sip.getUser() == null ? "" : sip.getUser();
        if (uri instanceof TelURL tel) return (tel.isGlobal() ? "+" : "") + tel.getPhoneNumber();
        return "";
    }

    private Identities() {}
}
