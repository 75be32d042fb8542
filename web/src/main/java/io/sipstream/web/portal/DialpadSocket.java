package io.sipstream.web.portal;

import io.sipstream.platform.config.ConfigException;
import io.sipstream.platform.config.Settings;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * Where the dialpad's browser opens its SIP over WebSocket connection: the edge's public address as the operator gives
 * it ({@code portal.dialpad.ws.url}, e.g. a proxy's {@code wss://} URL), or else the edge's own {@code sip.wss.port} or
 * {@code sip.ws.port} on the host name the browser reached the portal at: in the all-in-one process the edge and the
 * portal are on the same host. Neither set: calling from the page is off, and the dialpad says so.
 *
 * @param url the operator's URL, or null
 * @param wsPort the edge's WS port, or {@link #OFF} (also for 0, a port only known once bound)
 * @param wssPort the edge's WSS port, or {@link #OFF}
 */
public record DialpadSocket(URI url, int wsPort, int wssPort) {
    public static final int OFF = -1;
    /** A host name or an IPv4 address, or an IPv6 address in brackets: nothing that could escape a header or a URL. */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}]");

    public static DialpadSocket from(Settings settings) {
        String text = settings.string("portal.dialpad.ws.url", null);
        URI url = null;
        if (text != null && !text.isBlank()) {
            try {
                url = new URI(text.trim());
            } catch (URISyntaxException e) {
                url = null;
            }
            if (url == null || !("ws".equals(url.getScheme()) || "wss".equals(url.getScheme())) || url.getHost() == null) {
                throw new ConfigException("portal.dialpad.ws.url", "must be a ws:// or wss:// URL with a host, not '" + text.trim() + "'");
            }
        }
        return new DialpadSocket(url, port(settings, "sip.ws.port"), port(settings, "sip.wss.port"));
    }

    private static int port(Settings settings, String key) {
        if (!settings.has(key)) return OFF;
        int port = settings.integer(key, 0, 0, 65535);
        return port == 0 ? OFF : port;
    }

    /**
     * The URL for a page loaded from {@code hostHeader} (the request's Host), over HTTPS or not: WSS for an HTTPS page
     * (browsers refuse {@code ws://} from one) when the edge has it. Null when there is no WebSocket to reach, or the
     * Host is not a host name.
     */
    public String urlFor(String hostHeader, boolean secure) {
        if (url != null) return url.toString();
        String host = hostName(hostHeader);
        if (host == null) return null;
        if (wssPort != OFF && (secure || wsPort == OFF)) return "wss://" + host + ":" + wssPort;
        if (wsPort != OFF) return "ws://" + host + ":" + wsPort;
        return null;
    }

    /** The Host header's name without its port; null when it is not a plain host name or address. */
    static String hostName(String hostHeader) {
        if (hostHeader == null) return null;
        String host = hostHeader.trim();
        int colon = host.startsWith("[") ? host.indexOf("]:") + 1 : host.indexOf(':');
        if (colon > 0) host = host.substring(0, colon);
        return HOST.matcher(host).matches() ? host : null;
    }

    /** What a Content-Security-Policy's connect-src names for the URL: its scheme, host and port. */
    static String origin(String url) {
        URI uri = URI.create(url);
        return uri.getScheme() + "://" + (uri.getHost().contains(":") && !uri.getHost().startsWith("[") ? "[" + uri.getHost() + "]" : uri.getHost())
                + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
    }
}
