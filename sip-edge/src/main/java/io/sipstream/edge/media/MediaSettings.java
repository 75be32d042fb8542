package io.sipstream.edge.media;

import io.sipstream.edge.media.ng.RtpEngines;
import io.sipstream.platform.config.ConfigException;
import io.sipstream.platform.config.Settings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * The edge's media relay settings: the rtpengine instances ({@code edge.media.rtpengine}; none: anchoring is off
 * and every call's media passes end to end, whatever its trunks say), how long an ng request waits for its answer
 * and how often it is sent again before the instance counts as down, and how often each instance is pinged.
 */
public record MediaSettings(List<InetSocketAddress> rtpengines, Duration timeout, int retries, Duration pingInterval) {

    public static MediaSettings from(Settings s) {
        String key = "edge.media.rtpengine";
        List<InetSocketAddress> engines;
        try {
            engines = RtpEngines.parse(s.string(key, ""));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, e.getMessage());
        }
        // rtpengine answers in a millisecond on its own host; a call's set-up waits timeout x (retries + 1) at most
        Duration timeout = s.duration("edge.media.rtpengine.timeout", Duration.ofMillis(500));
        if (timeout.isNegative() || timeout.isZero()) throw new ConfigException("edge.media.rtpengine.timeout", "must be longer than zero");
        int retries = s.integer("edge.media.rtpengine.retries", 1, 0, 10);
        Duration ping = s.duration("edge.media.rtpengine.ping.interval", Duration.ofSeconds(5));
        if (ping.isNegative() || ping.isZero()) throw new ConfigException("edge.media.rtpengine.ping.interval", "must be longer than zero");
        return new MediaSettings(engines, timeout, retries, ping);
    }

    public boolean enabled() { return !rtpengines.isEmpty(); }

    /** The relay over these instances (pinging them from now); null when none is configured. */
    public MediaRelay relay() {
        return enabled() ? new MediaRelay(RtpEngines.of(rtpengines, timeout, retries), pingInterval) : null;
    }
}
