package io.sipstream.edge.media;

import java.util.Locale;

/**
 * Whether a call's media goes through the relay (rtpengine), set per trunk and per account ({@code media}):
 * PASSTHROUGH (the default: RTP end to end, SDP untouched), ANCHOR (every call), AUTO (a caller behind NAT:
 * {@link Sdp#behindNat}).
 */
public enum MediaMode {
    PASSTHROUGH, ANCHOR, AUTO;

    /** The registry's spelling ("passthrough", "anchor", "auto"); null or blank: not set. Throws naming the value otherwise. */
    public static MediaMode parse(String value) {
        if (value == null || value.isBlank()) return null;
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("media '" + value + "' is not passthrough, anchor or auto");
        }
    }

    /** As {@link #parse}, but a value the edge cannot read (a newer registry's) is passthrough: the call goes on as before. */
    public static MediaMode orPassthrough(String value) {
        try {
            MediaMode m = parse(value);
            return m == null ? PASSTHROUGH : m;
        } catch (IllegalArgumentException e) {
            return PASSTHROUGH;
        }
    }

    /** The stronger of two modes (ANCHOR over AUTO over PASSTHROUGH): a call is anchored when either side asks. */
    public MediaMode or(MediaMode other) {
        if (other == null) return this;
        if (this == ANCHOR || other == ANCHOR) return ANCHOR;
        if (this == AUTO || other == AUTO) return AUTO;
        return PASSTHROUGH;
    }

    public String spelling() { return name().toLowerCase(Locale.ROOT); }
}
