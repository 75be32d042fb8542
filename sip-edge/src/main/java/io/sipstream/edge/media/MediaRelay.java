package io.sipstream.edge.media;

import io.sipstream.edge.media.ng.RtpEngines;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The edge's media relay: the rtpengine instances of {@code media.rtpengine}, each pinged every
 * {@code media.rtpengine.ping.interval} on a thread of its own (an instance that stops answering is skipped by new
 * calls, one that answers again is used again), and the anchors of the calls that go through them.
 */
public final class MediaRelay implements AutoCloseable {
    private final RtpEngines engines;
    private final ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("media-ping").daemon().factory());

    public MediaRelay(RtpEngines engines, Duration pingInterval) {
        this.engines = engines;
        pinger.scheduleWithFixedDelay(engines::pingAll, 0, pingInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    public RtpEngines engines() { return engines; }

    /** A new call's anchor: nothing is asked of rtpengine until its {@link MediaAnchor#offer}. */
    public MediaAnchor anchor(String callId) { return new MediaAnchor(engines, callId); }

    /** Whether any instance answers now. */
    public boolean up() {
        for (RtpEngines.Instance i : engines.instances()) if (i.up()) return true;
        return false;
    }

    @Override
    public void close() { pinger.shutdownNow(); }
}
