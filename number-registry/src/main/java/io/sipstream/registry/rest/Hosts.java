package io.sipstream.registry.rest;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** Host names and IP literals as they may appear in a SIP URI; never resolves a name. */
public final class Hosts {
    private static final Pattern HOSTNAME = Pattern.compile(
            "(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");
    private static final Pattern IPV4 = Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");

    public static boolean ipv4(String s) { return s != null && IPV4.matcher(s).matches(); }

    /** An IPv6 literal (without brackets), parsed without any lookup. */
    public static boolean ipv6(String s) {
        if (s == null || !s.contains(":") || !IPV6_CHARS.matcher(s).matches()) return false;
        try {
            return InetAddress.getByName(s).getAddress().length == 16; // a literal with ':' is never looked up
        } catch (UnknownHostException | SecurityException e) {
            return false;
        }
    }

    /** A host name, an IPv4 literal, or an IPv6 literal with or without brackets. */
    public static boolean host(String s) {
        if (s == null || s.isEmpty()) return false;
        if (s.startsWith("[") && s.endsWith("]")) return ipv6(s.substring(1, s.length() - 1));
        if (s.contains(":")) return ipv6(s);
        if (s.matches("[0-9.]+")) return ipv4(s);
        return HOSTNAME.matcher(s).matches();
    }

    /** host or host:port (IPv6 in brackets when a port follows). */
    public static boolean hostPort(String s) {
        if (s == null) return false;
        int colon = s.lastIndexOf(':');
        boolean bracketed = s.startsWith("[");
        if (colon > 0 && (bracketed ? s.charAt(colon - 1) == ']' : s.indexOf(':') == colon)) {
            String port = s.substring(colon + 1);
            if (!port.matches("\\d{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) return false;
            return host(s.substring(0, colon));
        }
        return host(s);
    }

    private Hosts() {}
}
