package io.sipstream.edge.media;

import io.sipstream.edge.media.ng.NgException;
import io.sipstream.edge.media.ng.RtpEngines;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One call's media through rtpengine: the caller's offer and the callee's answer rewritten to the relay's addresses,
 * its statistics, its end. The call's first offer picks the instance (the first of {@link RtpEngines#forNewCall} that
 * answers) and every later request goes to it: it holds the call's ports. Its tags are {@link MediaReport#CALLER}
 * and {@link MediaReport#CALLEE}, whichever target answers. Every method does network I/O: call it off the SIP threads.
 */
public final class MediaAnchor {
    private final RtpEngines engines;
    private final String callId;
    private volatile RtpEngines.Instance instance;

    MediaAnchor(RtpEngines engines, String callId) {
        this.engines = engines;
        this.callId = callId;
    }

    /**
     * The caller's SDP as the callee must get it. {@code source}: where the caller's signalling came from (rtpengine
     * sends there until RTP arrives: a phone behind NAT is reached at its public address); {@code to}: what the
     * callee's leg speaks. Throws when no instance answers.
     */
    public byte[] offer(byte[] sdp, String source, LegProfile to) throws NgException {
        return offer(MediaReport.CALLER, sdp, source, to);
    }

    /**
     * An offer of {@code offerer}'s side ({@link MediaReport#CALLER} or {@link MediaReport#CALLEE}) as the other side
     * must get it: the call's first (which picks the instance), or a later one (a re-INVITE's, a late offer's 2xx) that
     * updates the same call on its instance. {@code source}: where the offerer's signalling came from, or null.
     */
    public byte[] offer(String offerer, byte[] sdp, String source, LegProfile to) throws NgException {
        Map<String, Object> args = args(offerer, sdp, to);
        if (source != null) args.put("received from", receivedFrom(source));
        RtpEngines.Instance chosen = instance;
        // a later offer names the other side too: rtpengine finds the call's two parties by their tags
        if (chosen != null || !offerer.equals(MediaReport.CALLER)) args.put("to-tag", otherThan(offerer));
        if (chosen != null) return sdpOf(chosen.request("offer", args));
        NgException last = null;
        for (RtpEngines.Instance candidate : engines.forNewCall()) {
            try {
                byte[] out = sdpOf(candidate.request("offer", args));
                instance = candidate;
                return out;
            } catch (NgException e) {
                last = e;
                if (!e.noAnswer()) throw e; // rtpengine refused this SDP: another instance would too
            }
        }
        throw last != null ? last : new NgException("no rtpengine instance is up", true);
    }

    /** The callee's SDP (a 183's or the 200's) as the caller must get it; {@code to}: what the caller's leg speaks. */
    public byte[] answer(byte[] sdp, LegProfile to) throws NgException { return answer(MediaReport.CALLER, sdp, to, null); }

    /**
     * The answer to {@code offerer}'s last offer, from the other side, as {@code offerer}'s side must get it.
     * {@code source}: where the answerer's signalling came from, for a phone that may be behind NAT (the relay then
     * learns its media address from its RTP); null for a carrier, whose SDP names where its media is.
     */
    public byte[] answer(String offerer, byte[] sdp, LegProfile to, String source) throws NgException {
        Map<String, Object> args = args(offerer, sdp, to);
        args.put("to-tag", otherThan(offerer));
        if (source != null) args.put("received from", receivedFrom(source));
        else args.put("flags", List.of("trust address"));
        return sdpOf(sticky().request("answer", args));
    }

    private static List<String> receivedFrom(String source) { return List.of(source.indexOf(':') >= 0 ? "IP6" : "IP4", source); }

    private static String otherThan(String side) { return side.equals(MediaReport.CALLER) ? MediaReport.CALLEE : MediaReport.CALLER; }

    /** What the relay has seen of the call so far. */
    public MediaReport query() throws NgException {
        return MediaReport.of(sticky().request("query", Map.of("call-id", callId)));
    }

    /** Ends the call on the relay (its ports are free) and returns what it saw. */
    public MediaReport delete() throws NgException {
        Map<String, Object> args = Map.of("call-id", callId, "from-tag", MediaReport.CALLER);
        return MediaReport.of(sticky().request("delete", args));
    }

    /** Whether an instance holds the call (its offer was answered). */
    public boolean anchored() { return instance != null; }

    public String instance() { return instance == null ? null : instance.toString(); }

    private RtpEngines.Instance sticky() throws NgException {
        RtpEngines.Instance chosen = instance;
        if (chosen == null) throw new NgException("call " + callId + " is not anchored", false);
        return chosen;
    }

    private Map<String, Object> args(String offerer, byte[] sdp, LegProfile to) {
        Map<String, Object> args = new HashMap<>(to.ngFlags());
        args.put("call-id", callId);
        args.put("from-tag", offerer);
        args.put("sdp", new String(sdp, StandardCharsets.ISO_8859_1));
        // the origin's and the session's addresses too: the peer learns the relay's address, never the other side's
        args.put("replace", List.of("origin", "session-connection"));
        return args;
    }

    private static byte[] sdpOf(Map<String, Object> answer) throws NgException {
        if (!(answer.get("sdp") instanceof String sdp)) throw new NgException("rtpengine answered without an SDP", false);
        return sdp.getBytes(StandardCharsets.ISO_8859_1);
    }
}
