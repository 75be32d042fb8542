package io.sipstream.edge.media;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the edge reads in an SDP to decide on anchoring: its connection address. A line read, not a parse. */
public final class Sdp {
    /** The first c= line (the session's, or the first media's). */
    private static final Pattern CONNECTION = Pattern.compile("^c=IN IP[46] ([^ /\\r\\n]+)", Pattern.MULTILINE);
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern AUDIO_PORT = Pattern.compile("^m=audio (\\d+) ", Pattern.MULTILINE);

    /** The connection address the SDP announces; null when it has none. */
    public static String connectionAddress(byte[] sdp) {
        if (sdp == null) return null;
        Matcher m = CONNECTION.matcher(new String(sdp, StandardCharsets.ISO_8859_1));
        return m.find() ? m.group(1) : null;
    }

    /** The port of the first audio stream; -1 when there is none. */
    public static int audioPort(byte[] sdp) {
        if (sdp == null) return -1;
        Matcher m = AUDIO_PORT.matcher(new String(sdp, StandardCharsets.ISO_8859_1));
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /**
     * A caller behind NAT, as {@code auto} anchoring reads it: its SDP announces a private, shared (100.64/10),
     * link-local or loopback address other than its source, or any address other than where its signalling came
     * from. An SDP without an address is left alone (nothing to relay).
     */
    public static boolean behindNat(byte[] sdp, String signallingSource) {
        String announced = connectionAddress(sdp);
        if (announced == null) return false;
        return !announced.equals(signallingSource) && (signallingSource != null || isPrivate(announced));
    }

    /** RFC 1918, RFC 6598 (carrier-grade NAT), link-local, loopback, IPv6 unique-local; false for a name or garbage. */
    public static boolean isPrivate(String address) {
        // a literal only: getByName would look a name up in DNS
        if (address == null || !(address.indexOf(':') >= 0 || IPV4.matcher(address).matches())) return false;
        try {
            InetAddress a = InetAddress.getByName(address);
            byte[] b = a.getAddress();
            boolean shared = b.length == 4 && (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64;
            boolean uniqueLocal = b.length == 16 && (b[0] & 0xfe) == 0xfc;
            return a.isSiteLocalAddress() || a.isLinkLocalAddress() || a.isLoopbackAddress() || shared || uniqueLocal;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private Sdp() {}
}
