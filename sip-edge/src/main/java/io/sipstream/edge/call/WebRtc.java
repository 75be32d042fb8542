package io.sipstream.edge.call;

import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.TargetKind;
import io.sipstream.edge.registrar.Binding;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Tells a WebRTC leg (a browser's) from a plain SIP one: it came or goes over SIP over WebSocket (WS, WSS: RFC 7118),
 * or its SDP carries media as DTLS-SRTP ({@code UDP/TLS/RTP/SAVPF}, with ICE). A carrier speaks plain RTP, so such a
 * leg is anchored in rtpengine, which bridges the two. Asked only when a call's media may be anchored (a relay is
 * configured and the call's mode is not passthrough), never on the plain call path: UDP calls pay nothing for it.
 */
public final class WebRtc {
    /** The SDP media protocol of WebRTC (RFC 5764, RFC 8827). */
    public static final String DTLS_SRTP = "UDP/TLS/RTP/SAVPF";

    /** A SIP URI's transport parameter when it is WS or WSS (a browser's Contact: {@code sip:x@y.invalid;transport=ws}). */
    private static final Pattern WS_URI = Pattern.compile(";transport=wss?(;|>|$)", Pattern.CASE_INSENSITIVE);

    private WebRtc() {}

    /** Whether a contact URI is reached over WS or WSS. */
    public static boolean uri(String uri) { return uri != null && WS_URI.matcher(uri).find(); }

    /** Whether a registered contact is a browser: it registered over WS or WSS, or its Contact names one. */
    public static boolean binding(Binding b) { return transport(b.transport()) || uri(b.contact()); }

    /**
     * Whether a target is a browser as far as it tells without I/O: a URI target over WS or WSS. A trunk never is (its
     * transports are UDP, TCP, TLS); a REGISTERED target's contacts tell ({@link #contacts}).
     */
    public static boolean target(RouteTarget t) { return t != null && t.getKind() == TargetKind.URI && uri(t.getRequestUri()); }

    /** Whether a REGISTERED target rings browsers only: every contact is one (a mixed set gets plain RTP: desk phones need it). */
    public static boolean contacts(List<Binding> contacts) {
        return !contacts.isEmpty() && contacts.stream().allMatch(WebRtc::binding);
    }

    /** SIP over WebSocket, plain or secure. */
    public static boolean transport(String transport) {
        return transport != null && (transport.equalsIgnoreCase("ws") || transport.equalsIgnoreCase("wss"));
    }

    /** Whether any media line of this SDP is DTLS-SRTP ({@code m=audio 9 UDP/TLS/RTP/SAVPF 111 0}). */
    public static boolean sdp(byte[] sdp) {
        if (sdp == null) return false;
        for (String line : new String(sdp, StandardCharsets.US_ASCII).split("\r?\n")) {
            if (!line.startsWith("m=")) continue;
            String[] fields = line.split(" ");
            if (fields.length > 2 && fields[2].toUpperCase(Locale.ROOT).equals(DTLS_SRTP)) return true;
        }
        return false;
    }
}
