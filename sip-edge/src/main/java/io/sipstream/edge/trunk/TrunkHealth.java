package io.sipstream.edge.trunk;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sipstream.avro.Trunk;
import io.sipstream.edge.sip.SipEndpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * This edge's view of which trunks are up: one {@link TrunkProbe} for every enabled trunk with an
 * {@code optionsInterval}, kept in step with the trunk directory (a changed address or interval starts afresh, a
 * removed or disabled trunk stops being probed). The hunt skips a trunk that is down, so a call does not wait a
 * target timeout for it. Each edge probes for itself and keeps its own view: the trunk may be reachable from one edge
 * and not from another, and nothing is published. Gauge {@code sipstream.edge.trunk.up} (tag {@code trunk}): 1 up, 0 down.
 */
public final class TrunkHealth implements AutoCloseable {
    private final SipEndpoint sip;
    /** The probes' own thread: their ticks and deadlines are no call's, and wait behind none. */
    private final ScheduledThreadPoolExecutor timers;
    private final Duration maxWait;
    private final int downAfter;
    private final MeterRegistry meters;
    private final Map<String, TrunkProbe> probes = new ConcurrentHashMap<>();
    private final Map<String, Gauge> gauges = new LinkedHashMap<>();

    /**
     * @param maxWait   the longest a probe waits for its answer ({@code edge.target.timeout}: what a call would wait)
     * @param downAfter failed probes in a row that make a trunk down ({@code edge.trunk.down.after})
     */
    public TrunkHealth(SipEndpoint sip, Duration maxWait, int downAfter, MeterRegistry meters) {
        this.sip = sip;
        this.timers = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name("edge-trunk-probe").factory());
        timers.setRemoveOnCancelPolicy(true); // a probe answered in time leaves no deadline queued
        this.maxWait = maxWait;
        this.downAfter = downAfter;
        this.meters = meters;
    }

    /** Whether calls skip this trunk now. A trunk that is not probed is never down. */
    public boolean isDown(String trunkId) {
        TrunkProbe p = trunkId == null ? null : probes.get(trunkId);
        return p != null && !p.up();
    }

    public synchronized void sync(Iterable<Trunk> trunks) {
        Map<String, Trunk> wanted = new LinkedHashMap<>();
        for (Trunk t : trunks) if (t.getEnabled() && t.getOptionsInterval() > 0) wanted.put(t.getTrunkId(), t);
        probes.entrySet().removeIf(e -> {
            Trunk now = wanted.get(e.getKey());
            boolean keep = now != null && same(now, e.getValue().trunk());
            if (!keep) {
                e.getValue().stop();
                Gauge g = gauges.remove(e.getKey());
                if (g != null) meters.remove(g);
            }
            return !keep;
        });
        for (Trunk t : wanted.values()) {
            if (probes.containsKey(t.getTrunkId())) continue;
            TrunkProbe p = new TrunkProbe(sip, t, timers, maxWait, downAfter);
            probes.put(t.getTrunkId(), p);
            gauges.put(t.getTrunkId(), Gauge.builder("sipstream.edge.trunk.up", p, probe -> probe.up() ? 1 : 0)
                    .tag("trunk", t.getTrunkId()).description("whether this edge's OPTIONS find the trunk up (1) or down (0)")
                    .register(meters));
            p.start();
        }
    }

    /** Only what probing depends on: a new version that changes, say, the caller ID format keeps the trunk's state. */
    private static boolean same(Trunk a, Trunk b) {
        return a.getHost().equals(b.getHost()) && a.getPort() == b.getPort() && a.getTransport() == b.getTransport()
                && a.getOptionsInterval() == b.getOptionsInterval();
    }

    /** The trunk's health as this edge sees it; null when the trunk is not probed (unknown, disabled, or interval 0). */
    public View view(String trunkId) {
        TrunkProbe p = probes.get(trunkId);
        return p == null ? null : p.view();
    }

    /**
     * One trunk's health: {@code state} up or down (since when), the failed probes in a row and how many make it down,
     * the interval, when the last probe went and the last answer came, and what the last probe got.
     */
    public record View(String trunkId, String state, Instant since, int failuresInARow, int downAfter, int optionsInterval,
                       Instant lastProbeAt, Instant lastAnswerAt, String lastResult) {}

    @Override
    public synchronized void close() {
        probes.values().forEach(TrunkProbe::stop);
        probes.clear();
        gauges.values().forEach(meters::remove);
        gauges.clear();
        timers.shutdownNow();
    }
}
