package io.sipstream.edge.media;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the relay saw of an anchored call's media (rtpengine's query or delete statistics): per side and stream,
 * the address its SDP announced, the address its RTP came from, packets and bytes each way, the last packet's
 * time; and one verdict for the call.
 *
 * @param streams the caller's streams first, then the callee's
 */
public record MediaReport(Verdict verdict, List<Stream> streams) {

    /** ok; no RTP at all; RTP from one side only; both sides sent, but the caller's came from another address than its SDP named. */
    public enum Verdict { OK, NO_MEDIA, ONE_WAY, NAT }

    /**
     * One side's stream through the relay. {@code received}: from that side to the relay; {@code sent}: from the relay to
     * that side (what the other side sent). {@code source}: null until RTP came. {@code lastPacketAt}: epoch millis, or 0.
     */
    public record Stream(String side, int index, String type, String announced, String source, long packetsReceived,
                         long bytesReceived, long packetsSent, long bytesSent, long lastPacketAt) {
        /** Whether RTP came from another address than the SDP announced (a NAT rewrote it). */
        public boolean sourceDiffers() {
            return source != null && announced != null && !hostOf(source).equals(hostOf(announced));
        }
    }

    public static final String CALLER = "caller";
    public static final String CALLEE = "callee";

    /** The report of an ng query or delete answer for a call whose tags are {@link #CALLER} and {@link #CALLEE}. */
    public static MediaReport of(Map<String, Object> answer) {
        Map<String, Object> tags = map(answer.get("tags"));
        List<Stream> caller = streams(CALLER, map(tags.get(CALLER)));
        List<Stream> callee = streams(CALLEE, map(tags.get(CALLEE)));
        List<Stream> all = new ArrayList<>(caller.size() + callee.size());
        // what the relay sent a side is what the other side's same stream sent it
        for (Stream s : caller) all.add(withSent(s, find(callee, s.index())));
        for (Stream s : callee) all.add(withSent(s, find(caller, s.index())));
        return new MediaReport(verdictOf(all, usesIce(map(tags.get(CALLER)))), List.copyOf(all));
    }

    static Verdict verdictOf(List<Stream> streams) { return verdictOf(streams, false); }

    /**
     * {@code callerIce}: the caller's media was set up by ICE (a browser's), so its RTP comes from the candidate pair ICE
     * chose, which its SDP's c= need not name: that is no NAT.
     */
    static Verdict verdictOf(List<Stream> streams, boolean callerIce) {
        long fromCaller = 0, fromCallee = 0;
        boolean nat = false;
        for (Stream s : streams) {
            if (s.side().equals(CALLER)) fromCaller += s.packetsReceived();
            else fromCallee += s.packetsReceived();
            nat |= !callerIce && s.side().equals(CALLER) && s.sourceDiffers();
        }
        if (fromCaller == 0 && fromCallee == 0) return Verdict.NO_MEDIA;
        if (fromCaller == 0 || fromCallee == 0) return Verdict.ONE_WAY;
        return nat ? Verdict.NAT : Verdict.OK;
    }

    private static Stream withSent(Stream s, Stream peer) {
        if (peer == null) return s;
        return new Stream(s.side(), s.index(), s.type(), s.announced(), s.source(), s.packetsReceived(), s.bytesReceived(),
                peer.packetsReceived(), peer.bytesReceived(), s.lastPacketAt());
    }

    private static Stream find(List<Stream> streams, int index) {
        for (Stream s : streams) if (s.index() == index) return s;
        return null;
    }

    private static boolean usesIce(Map<String, Object> tag) {
        for (Object m : list(tag.get("medias"))) if (list(map(m).get("flags")).contains("ICE")) return true;
        return false;
    }

    /**
     * Each media's RTP stream (its RTCP stream is left out: the verdict is about audio). With rtcp-mux (a browser's)
     * the RTP stream carries RTCP too, and is flagged both.
     */
    private static List<Stream> streams(String side, Map<String, Object> tag) {
        List<Stream> out = new ArrayList<>();
        for (Object m : list(tag.get("medias"))) {
            Map<String, Object> media = map(m);
            int index = (int) number(media.get("index"));
            String type = media.get("type") instanceof String t ? t : "audio";
            for (Object st : list(media.get("streams"))) {
                Map<String, Object> stream = map(st);
                List<?> flags = list(stream.get("flags"));
                if (flags.contains("RTCP") && !flags.contains("RTP")) continue;
                Map<String, Object> stats = map(stream.get("stats"));
                long packets = number(stats.get("packets"));
                out.add(new Stream(side, index, type, endpoint(stream.get("advertised endpoint")),
                        packets > 0 ? endpoint(stream.get("endpoint")) : null, packets, number(stats.get("bytes")), 0, 0,
                        packets > 0 ? number(stream.get("last packet")) * 1000 : 0));
                break;
            }
        }
        return out;
    }

    private static String endpoint(Object o) {
        Map<String, Object> e = map(o);
        if (!(e.get("address") instanceof String address)) return null;
        return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + number(e.get("port"));
    }

    private static String hostOf(String endpoint) {
        int colon = endpoint.lastIndexOf(':');
        return colon < 0 ? endpoint : endpoint.substring(0, colon);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) { return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of(); }

    private static List<?> list(Object o) { return o instanceof List<?> l ? l : List.of(); }

    private static long number(Object o) { return o instanceof Number n ? n.longValue() : 0; }
}
