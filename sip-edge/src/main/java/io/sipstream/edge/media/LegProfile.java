package io.sipstream.edge.media;

import java.util.List;
import java.util.Map;

/**
 * What a leg's media speaks, as rtpengine must produce it in the SDP it hands that leg: plain RTP (a carrier, a
 * desk phone) or WebRTC (a browser: ICE, DTLS-SRTP, rtcp-mux, RTP/SAVPF). rtpengine bridges the two; the edge
 * only names, on each offer and answer, what the receiving leg speaks. A WebRTC leg is this flag and nothing else
 * (SDES off: a browser keys SRTP by DTLS only, and a=crypto lines beside the fingerprint would only confuse it).
 */
public enum LegProfile {
    RTP(Map.of("transport-protocol", "RTP/AVP", "ICE", "remove", "rtcp-mux", List.of("demux"))),
    WEBRTC(Map.of("transport-protocol", "UDP/TLS/RTP/SAVPF", "ICE", "force",
            "rtcp-mux", List.of("offer", "require"), "SDES", List.of("off")));

    private final Map<String, Object> ngFlags;

    LegProfile(Map<String, Object> ngFlags) { this.ngFlags = ngFlags; }

    /** The ng keys that make rtpengine's SDP for a leg of this kind. */
    public Map<String, Object> ngFlags() { return ngFlags; }
}
