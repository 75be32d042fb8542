package io.sipstream.edge.call;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Tells a WebRTC leg (a browser's) from a plain SIP one: it came or goes over SIP over WebSocket (WS, WSS: RFC 7118),
 * or its SDP carries media as DTLS-SRTP ({@code UDP/TLS/RTP/SAVPF}, with ICE). A carrier speaks plain RTP, so such a
 * leg must be anchored in rtpengine, which bridges the two (issue 17); until then its media cannot flow. Asked only by
 * whoever anchors media ({@link CallLeg#webRtc}), never on the call path: UDP calls pay nothing for it.
 */
public final class WebRtc {
    /** The SDP media protocol of WebRTC (RFC 5764, RFC 8827). */
    public static final String DTLS_SRTP = "UDP/TLS/RTP/SAVPF";

    private WebRtc() {}

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
