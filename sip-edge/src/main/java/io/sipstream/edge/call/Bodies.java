package io.sipstream.edge.call;

import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.regex.Pattern;
import javax.sip.header.ContentTypeHeader;
import javax.sip.message.Message;

/**
 * Copies a message body (SDP, DTMF info ...) from one leg's message to the other's. Untouched, but for
 * the SDP origin's user name ({@link #withoutOriginUser}).
 */
final class Bodies {
    /**
     * The o= user name every SDP leaving the edge carries: RFC 8866's own "no user id". A caller's login (or a
     * carrier's) is nobody else's business, and a product name would only tell peers what runs here.
     */
    static final String ORIGIN_USER = "-";
    /** The origin line's user name: o=&lt;username&gt; &lt;sess-id&gt; &lt;sess-version&gt; ... (one o= line per SDP). */
    private static final Pattern ORIGIN = Pattern.compile("^o=[^ \\r\\n]*(?= )", Pattern.MULTILINE);

    static void copy(Message from, Message to) { copy(from, to, null); }

    /** As {@link #copy(Message, Message)}, with {@code sdp} in place of an SDP body when not null (the relay's, for an anchored call). */
    static void copy(Message from, Message to, byte[] sdp) {
        byte[] raw = from.getRawContent();
        if (raw == null || raw.length == 0) return;
        ContentTypeHeader type = (ContentTypeHeader) from.getHeader(ContentTypeHeader.NAME);
        try {
            if (type != null) to.setContent(isSdp(type) ? withoutOriginUser(sdp != null ? sdp : raw) : raw, (ContentTypeHeader) type.clone());
        } catch (ParseException e) {
            throw new IllegalStateException("cannot copy a body", e);
        }
    }

    /**
     * The SDP with its o= user name replaced by {@link #ORIGIN_USER}; everything else as the peer sent it. The
     * session id and version stay the peer's, so the same rewrite of every SDP on a leg keeps the version rising
     * as the peer raises it (RFC 3264 8). The media addresses stay too, as long as media flows end to end. A line
     * rewrite, not a parse and print: a parser would print every other line its own way.
     */
    static byte[] withoutOriginUser(byte[] sdp) {
        String text = new String(sdp, StandardCharsets.ISO_8859_1); // byte for byte: other lines come back as they were
        String rewritten = ORIGIN.matcher(text).replaceFirst("o=" + ORIGIN_USER);
        return rewritten.equals(text) ? sdp : rewritten.getBytes(StandardCharsets.ISO_8859_1);
    }

    static boolean isSdp(ContentTypeHeader type) {
        return "application".equalsIgnoreCase(type.getContentType()) && "sdp".equalsIgnoreCase(type.getContentSubType());
    }

    /** The message's SDP body; null when it has none (no body, or another type). */
    static byte[] sdpOf(Message m) {
        ContentTypeHeader type = (ContentTypeHeader) m.getHeader(ContentTypeHeader.NAME);
        return type != null && isSdp(type) && has(m) ? m.getRawContent() : null;
    }

    static boolean has(Message m) {
        byte[] raw = m.getRawContent();
        return raw != null && raw.length > 0;
    }

    private Bodies() {}
}
