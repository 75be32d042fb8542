package io.sipstream.registry.trunks;

import io.sipstream.registry.rest.Hosts;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** CIDR blocks of trunk allow-lists, IPv4 and IPv6, in canonical form. */
public final class Cidrs {

    /** Why a text is not a CIDR block. */
    public static final class InvalidCidrException extends IllegalArgumentException {
        public InvalidCidrException(String message) { super(message); }
    }

    /**
     * Checks a block ("192.0.2.0/24", "2001:db8::/32"; a bare address means one host) and answers
     * its canonical form; host bits set below the prefix are refused, since they usually mean a typo.
     */
    public static String canonical(String text) {
        if (text == null || text.isBlank()) throw new InvalidCidrException("is empty");
        String s = text.trim();
        int slash = s.indexOf('/');
        String address = slash < 0 ? s : s.substring(0, slash);
        boolean v4 = Hosts.ipv4(address);
        if (!v4 && !Hosts.ipv6(address)) throw new InvalidCidrException("'" + s + "' does not start with an IPv4 or IPv6 address");
        int max = v4 ? 32 : 128;
        int prefix = max;
        if (slash >= 0) {
            String len = s.substring(slash + 1);
            if (!len.matches("\\d{1,3}") || Integer.parseInt(len) > max) {
                throw new InvalidCidrException("'" + s + "' has prefix length '" + len + "'; it must be 0 to " + max);
            }
            prefix = Integer.parseInt(len);
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(address).getAddress(); // a literal: no lookup
        } catch (UnknownHostException e) {
            throw new InvalidCidrException("'" + s + "' is not an IP address");
        }
        if (!v4 && bytes.length == 4) throw new InvalidCidrException("'" + s + "' mixes IPv4 and IPv6 notation");
        BigInteger value = new BigInteger(1, bytes);
        BigInteger hostMask = BigInteger.ONE.shiftLeft(max - prefix).subtract(BigInteger.ONE);
        if (!value.and(hostMask).equals(BigInteger.ZERO)) {
            BigInteger network = value.andNot(hostMask);
            throw new InvalidCidrException("'" + s + "' has host bits set; the network is " + format(network, v4) + "/" + prefix);
        }
        return format(value, v4) + "/" + prefix;
    }

    private static String format(BigInteger value, boolean v4) {
        byte[] raw = value.toByteArray();
        byte[] bytes = new byte[v4 ? 4 : 16];
        int copy = Math.min(raw.length, bytes.length);
        System.arraycopy(raw, raw.length - copy, bytes, bytes.length - copy, copy);
        try {
            String text = InetAddress.getByAddress(bytes).getHostAddress();
            return v4 ? text : compress(text);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RFC 5952 short form of Java's full IPv6 text (longest run of zero groups as ::). */
    static String compress(String full) {
        String[] groups = full.split(":");
        for (int i = 0; i < groups.length; i++) groups[i] = groups[i].replaceFirst("^0+(?=.)", "");
        int bestStart = -1, bestLen = 0;
        for (int i = 0; i < groups.length; ) {
            if (groups[i].equals("0")) {
                int j = i;
                while (j < groups.length && groups[j].equals("0")) j++;
                if (j - i > bestLen && j - i > 1) { bestStart = i; bestLen = j - i; }
                i = j;
            } else {
                i++;
            }
        }
        if (bestStart < 0) return String.join(":", groups);
        String head = String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart));
        String tail = String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLen, groups.length));
        return head + "::" + tail;
    }

    private Cidrs() {}
}
