package io.sipstream.platform.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.regex.Pattern;

/**
 * One entry of a trunk's inbound allow-list, the one rule both sides use: number-registry refuses
 * what {@link #parse} refuses and stores {@link #canonical()}, the SIP edge matches with
 * {@link #matches}. An entry is an IPv4 or IPv6 address or CIDR block, optionally pinned to a
 * source port for a provider that shares an address with other senders:
 *
 * <pre>
 *   203.0.113.0/24        203.0.113.7          2001:db8::/32        ::1
 *   203.0.113.7:5060      203.0.113.0/24:5060  [2001:db8::7]:5060   [2001:db8::/32]:5060
 * </pre>
 *
 * Canonical text always names the prefix ({@code 203.0.113.7/32}, {@code 203.0.113.7/32:5060},
 * {@code [2001:db8::7/128]:5060}), IPv6 in RFC 5952 short form. Host bits set below the prefix
 * ({@code 10.0.0.1/24}) are refused: they usually mean a typo, and the error names the network.
 * Nothing here resolves a host name.
 */
public final class SourceRule {
    private static final Pattern IPV4 = Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");

    /** The port of a rule that is not pinned to one. */
    public static final int ANY_PORT = 0;

    /**
     * Prefixes shorter than these admit more sources than any one provider sends from (a /16 is 65,536 IPv4
     * addresses, a /32 a whole ISP's IPv6 allocation): a trunk allow-list entry that wide makes nearly anyone an
     * unauthenticated trunk, so it must be asked for explicitly ({@link #wide()}).
     */
    public static final int WIDEST_IPV4_PREFIX = 16;
    public static final int WIDEST_IPV6_PREFIX = 32;

    /** Rules that name fewer sources first: a pinned port, then the longer prefix. */
    public static final Comparator<SourceRule> MOST_SPECIFIC_FIRST = Comparator
            .comparing((SourceRule r) -> r.port == ANY_PORT)
            .thenComparing(Comparator.comparingInt(SourceRule::prefix).reversed());

    /** Why a text is not a source rule; the message is meant for an operator. */
    public static final class InvalidSourceRuleException extends IllegalArgumentException {
        public InvalidSourceRuleException(String message) { super(message); }
    }

    private final byte[] network;
    private final int prefix;
    private final int port;
    // IPv4 rules also as ints, so a datagram's source is matched without parsing it into bytes
    private final int ipv4Network;
    private final int ipv4Mask;

    private SourceRule(byte[] network, int prefix, int port) {
        this.network = network;
        this.prefix = prefix;
        this.port = port;
        this.ipv4Mask = network.length == 4 && prefix > 0 ? -1 << (32 - prefix) : 0;
        this.ipv4Network = network.length == 4 ? java.nio.ByteBuffer.wrap(network).getInt() & ipv4Mask : 0;
    }

    /** Reads an allow-list entry; the exception's message says what is wrong with it. */
    public static SourceRule parse(String text) {
        if (text == null || text.isBlank()) throw invalid("an allow-list entry is empty");
        String s = text.trim();
        String block = s;
        int port = ANY_PORT;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) throw invalid("'" + s + "' opens [ but never closes it");
            block = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) throw invalid("'" + s + "' has '" + rest + "' after ]; expected :port");
                port = port(s, rest.substring(1));
            }
            if (!block.contains(":")) throw invalid("'" + s + "': brackets are for IPv6; write IPv4 as address:port");
        } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            // one colon: IPv4 (or an IPv4 block) with a port; IPv6 has at least two
            int colon = s.indexOf(':');
            block = s.substring(0, colon);
            port = port(s, s.substring(colon + 1));
        }
        String address = block;
        int slash = block.indexOf('/');
        if (slash >= 0) address = block.substring(0, slash);
        boolean v4 = IPV4.matcher(address).matches();
        if (!v4 && !ipv6(address)) {
            throw invalid("'" + s + "' is not an IPv4 or IPv6 address or CIDR block (host names are not allowed)");
        }
        byte[] bytes = literal(address);
        if (!v4 && bytes.length == 4) throw invalid("'" + s + "' mixes IPv4 and IPv6 notation; write the IPv4 address");
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String len = block.substring(slash + 1);
            if (!len.matches("\\d{1,3}") || Integer.parseInt(len) > max) {
                throw invalid("'" + s + "' has prefix length '" + len + "'; it must be 0 to " + max);
            }
            prefix = Integer.parseInt(len);
        }
        byte[] net = mask(bytes, prefix);
        if (!Arrays.equals(net, bytes)) {
            throw invalid("'" + s + "' has host bits set below /" + prefix + "; the network is " + format(net) + "/" + prefix);
        }
        return new SourceRule(net, prefix, port);
    }

    private static int port(String whole, String text) {
        if (!text.matches("\\d{1,5}") || Integer.parseInt(text) < 1 || Integer.parseInt(text) > 65535) {
            throw invalid("'" + whole + "' has port '" + text + "'; it must be 1 to 65535");
        }
        return Integer.parseInt(text);
    }

    private static boolean ipv6(String s) {
        if (!s.contains(":") || !IPV6_CHARS.matcher(s).matches()) return false;
        try {
            InetAddress.getByName(s); // a literal with ':' and only these characters is never looked up
            return true;
        } catch (UnknownHostException | SecurityException e) {
            return false;
        }
    }

    /** The bytes of an IP literal (IPv4-mapped IPv6 gives the IPv4 bytes); null for anything else, never a lookup. */
    public static byte[] literal(String ip) {
        if (ip == null || ip.isEmpty()) return null;
        if (!IPV4.matcher(ip).matches() && !ipv6(ip)) return null;
        try {
            return InetAddress.getByName(ip).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * A dotted-quad IPv4 literal as an unsigned 32-bit value, or -1 for anything else (IPv6 included: use
     * {@link #literal}). Reads the text in place: no allocation, for a check made on every SIP message.
     */
    public static long ipv4(String ip) {
        if (ip == null) return -1;
        int n = ip.length();
        if (n < 7 || n > 15) return -1;
        long value = 0;
        int parts = 0;
        int i = 0;
        while (i <= n) {
            int start = i;
            int part = 0;
            while (i < n && ip.charAt(i) >= '0' && ip.charAt(i) <= '9') part = part * 10 + (ip.charAt(i++) - '0');
            int digits = i - start;
            if (digits == 0 || digits > 3 || part > 255 || (digits > 1 && ip.charAt(start) == '0')) return -1;
            value = value << 8 | part;
            parts++;
            if (i == n) break;
            if (ip.charAt(i) != '.' || parts == 4) return -1;
            i++;
        }
        return parts == 4 ? value : -1;
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int bits = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] &= (byte) (0xFF << (8 - bits));
        }
        return out;
    }

    /** Whether a packet from this address and port is covered. */
    public boolean matches(InetAddress source, int sourcePort) {
        return source != null && matches(source.getAddress(), sourcePort);
    }

    /** Whether a packet from this IP literal and port is covered; anything not an IP literal is not. */
    public boolean matches(String sourceIp, int sourcePort) { return matches(literal(sourceIp), sourcePort); }

    /** Whether a packet from this address (the bytes of {@link #literal}, parsed once for many rules) and port is covered. */
    public boolean matches(byte[] source, int sourcePort) {
        if (source == null || source.length != network.length) return false;
        if (port != ANY_PORT && port != sourcePort) return false;
        return Arrays.equals(mask(source, prefix), network);
    }

    /** Whether a packet from this IPv4 address (the value of {@link #ipv4}, not -1) and port is covered. */
    public boolean matchesIpv4(long address, int sourcePort) {
        if (network.length != 4 || address < 0) return false;
        if (port != ANY_PORT && port != sourcePort) return false;
        return ((int) address & ipv4Mask) == ipv4Network;
    }

    public int prefix() { return prefix; }

    /** Whether the rule covers more sources than one provider's: a prefix shorter than /16 (IPv4) or /32 (IPv6). */
    public boolean wide() { return prefix < (ipv6() ? WIDEST_IPV6_PREFIX : WIDEST_IPV4_PREFIX); }

    /** The source port the rule is pinned to, or {@link #ANY_PORT}. */
    public int port() { return port; }

    public boolean ipv6() { return network.length == 16; }

    /** The text the registry stores: {@code net/prefix}, then {@code :port} ({@code [net/prefix]:port} for IPv6). */
    public String canonical() {
        String block = format(network) + "/" + prefix;
        if (port == ANY_PORT) return block;
        return ipv6() ? "[" + block + "]:" + port : block + ":" + port;
    }

    @Override
    public String toString() { return canonical(); }

    @Override
    public boolean equals(Object o) {
        return o instanceof SourceRule r && r.prefix == prefix && r.port == port && Arrays.equals(r.network, network);
    }

    @Override
    public int hashCode() { return Arrays.hashCode(network) * 31 + prefix * 7 + port; }

    private static String format(byte[] bytes) {
        try {
            String text = InetAddress.getByAddress(bytes).getHostAddress();
            return bytes.length == 4 ? text : compress(text);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RFC 5952 short form of Java's full IPv6 text: no leading zeros, the longest run of two or more zero groups as ::. */
    static String compress(String full) {
        String[] groups = full.split(":");
        for (int i = 0; i < groups.length; i++) groups[i] = groups[i].replaceFirst("^0+(?=.)", "");
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < groups.length; ) {
            if (groups[i].equals("0")) {
                int j = i;
                while (j < groups.length && groups[j].equals("0")) j++;
                if (j - i > bestLen && j - i > 1) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        if (bestStart < 0) return String.join(":", groups);
        String head = String.join(":", Arrays.copyOfRange(groups, 0, bestStart));
        String tail = String.join(":", Arrays.copyOfRange(groups, bestStart + bestLen, groups.length));
        return head + "::" + tail;
    }

    private static InvalidSourceRuleException invalid(String message) { return new InvalidSourceRuleException(message); }
}
