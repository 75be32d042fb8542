package io.sipstream.edge.call;

import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sip.address.SipURI;
import javax.sip.address.TelURL;
import javax.sip.address.URI;
import javax.sip.header.Header;
import javax.sip.message.Request;

/**
 * Reads users out of identity headers and URIs (P-Asserted-Identity, P-Preferred-Identity, From),
 * and decides how a leg the edge dials presents its caller ({@link #presentation}).
 */
public final class Identities {
    private static final Pattern USER = Pattern.compile("(?i)(?:sips?:([^@;>\\s]+)@|tel:([^;>\\s]+))");
    /** RFC 3323 privacy values that ask for the caller's identity to be hidden; "none", "session" and "critical" do not. */
    private static final Set<String> HIDE_IDENTITY = Set.of("id", "user", "header");

    /**
     * How a dialled leg shows its caller (RFC 3323, RFC 3325).
     *
     * @param fromUser     the From's user, or null for {@code "Anonymous" <sip:anonymous@anonymous.invalid>}
     * @param assertedUser the P-Asserted-Identity's user, or null for none
     * @param privacyId    whether the leg carries {@code Privacy: id}
     */
    public record Presentation(String fromUser, String assertedUser, boolean privacyId) {}

    /**
     * The caller ID the router chose goes in From and P-Asserted-Identity. A caller that asked for
     * privacy (Privacy: id, user or header) gets an anonymous From, and its number is asserted only
     * to a trunk, inside the trust domain, with Privacy: id telling the carrier to withhold it further
     * (RFC 3325 9.3); a phone or an outside URI gets no identity at all. Without a chosen caller ID the
     * leg is anonymous with Privacy: id and asserts nothing: never an identity the edge did not choose.
     *
     * @param callerId the caller ID chosen for the target, or null
     * @param offer    the caller's request (null for a leg the edge starts itself: a transfer's)
     * @param toTrunk  whether the leg goes to a registry trunk
     */
    public static Presentation presentation(String callerId, Request offer, boolean toTrunk) {
        return presentation(callerId, offer, toTrunk, false);
    }

    /**
     * The same, except that an emergency call's caller ID is never withheld, whatever Privacy the caller
     * sent: it is the call-back number the emergency service needs (From and P-Asserted-Identity, no Privacy).
     */
    public static Presentation presentation(String callerId, Request offer, boolean toTrunk, boolean emergency) {
        if (emergency && callerId != null) return new Presentation(callerId, callerId, false);
        if (callerId == null) return new Presentation(null, null, true);
        if (asksForPrivacy(offer)) return new Presentation(null, toTrunk ? callerId : null, true);
        return new Presentation(callerId, callerId, false);
    }

    /** Whether a request's Privacy headers ask to hide who is calling. */
    static boolean asksForPrivacy(Request request) {
        if (request == null) return false;
        for (Iterator<?> it = request.getHeaders("Privacy"); it != null && it.hasNext(); ) {
            for (String value : valueOf((Header) it.next()).split("[;,]")) {
                if (HIDE_IDENTITY.contains(value.trim().toLowerCase(Locale.ROOT))) return true;
            }
        }
        return false;
    }

    /** The user of P-Preferred-Identity, else of P-Asserted-Identity; null when neither is present. */
    public static String assertedUser(Request request) {
        for (String name : new String[] {"P-Preferred-Identity", "P-Asserted-Identity"}) {
            String user = userOfHeader(request, name);
            if (user != null) return user;
        }
        return null;
    }

    /** The user of the first sip:, sips: or tel: URI in the (first) header of this name; null when there is none. */
    static String userOfHeader(Request request, String name) {
        Header h = request.getHeader(name);
        if (h == null) return null;
        Matcher m = USER.matcher(valueOf(h));
        return m.find() ? (m.group(1) != null ? m.group(1) : m.group(2)) : null;
    }

    public static String userOf(URI uri) {
        if (uri instanceof SipURI sip) return sip.getUser() == null ? "" : sip.getUser();
        if (uri instanceof TelURL tel) return (tel.isGlobal() ? "+" : "") + tel.getPhoneNumber();
        return "";
    }

    private static String valueOf(Header h) {
        String text = h.toString();
        int colon = text.indexOf(':');
        return (colon >= 0 ? text.substring(colon + 1) : text).trim();
    }

    private Identities() {}
}
