package io.sipstream.edge.auth;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * One entry of a trunk's inbound allow-list: a CIDR ({@code 203.0.113.0/24}, {@code 2001:db8::/32})
 * or a single address, optionally pinned to a source port ({@code 203.0.113.7:5060},
 * {@code [2001:db8::7]:5060}, {@code 203.0.113.0/24:5060}) for providers that share an address
 * with other senders.
 */
public record SourceRule(byte[] network, int prefix, int port) {

    public static SourceRule parse(String text) {
        String s = text.trim();
        int port = -1;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) throw new IllegalArgumentException("'" + text + "' has no closing ]");
            if (s.length() > close + 1) {
                if (s.charAt(close + 1) != ':') throw new IllegalArgumentException("'" + text + "' is not [address]:port");
                port = Integer.parseInt(s.substring(close + 2));
            }
            s = s.substring(1, close);
        } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) { // IPv4 with a port
            port = Integer.parseInt(s.substring(s.indexOf(':') + 1));
            s = s.substring(0, s.indexOf(':'));
        }
        String address = s;
        int prefix = -1;
        int slash = s.indexOf('/');
        if (slash >= 0) {
            address = s.substring(0, slash);
            prefix = Integer.parseInt(s.substring(slash + 1));
        }
        if (!address.matches("[0-9a-fA-F:.]+")) throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR");
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(address).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR");
        }
        if (prefix < 0) prefix = bytes.length * 8;
        if (prefix > bytes.length * 8) throw new IllegalArgumentException("'" + text + "' has a prefix longer than the address");
        if (port > 65535) throw new IllegalArgumentException("'" + text + "' has a port above 65535");
        return new SourceRule(bytes, prefix, port);
    }

    public boolean matches(byte[] source, int sourcePort) {
        if (source.length != network.length) return false;
        if (port >= 0 && port != sourcePort) return false;
        int full = prefix / 8;
        for (int i = 0; i < full; i++) if (source[i] != network[i]) return false;
        int rest = prefix % 8;
        if (rest == 0) return true;
        int mask = 0xFF << (8 - rest) & 0xFF;
        return (source[full] & mask) == (network[full] & mask);
    }
}
