package io.sipstream.edge.overload;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * How many new calls the edge may have in set-up at once: from the moment it accepts an INVITE
 * until the router's verdict (or the INVITE's refusal). Past its capacity the stack does not
 * serve more calls, it only makes every call wait longer, until the verdict timeout fails them
 * all; refusing the excess at once (503 with Retry-After, on the SIP thread, before any Redis or
 * Kafka work) keeps the calls admitted fast.
 *
 * <p>The limit is adaptive (AIMD, as TCP's congestion window and Netflix's concurrency-limits
 * AIMDLimit): it grows by one with every call set up within the target latency, and shrinks by a
 * fifth when set-up takes longer, which the edge sees two ways: a verdict that came late or not at
 * all (timeout), or earlier, the oldest call still in set-up having waited past the target. It
 * shrinks at most once a round trip: only for a call admitted after the last decrease, so one
 * backlog (a GC pause, one stuck call) costs one decrease, not one per call caught in it. It
 * stays between a floor and a hard cap; the cap is also what the limit reaches while the edge is
 * not loaded, so it must cover the bursts the edge takes at its held rate (a GC pause's arrivals).
 *
 * <p>Written here rather than taken from com.netflix.concurrency-limits: that library does not
 * resolve from the Maven repository this project builds from, and the part needed is this small.
 * AIMD rather than a gradient (Vegas, Gradient2): set-up latency includes Kafka and the router's
 * batching, so its floor drifts with load; a target an operator can state ("set-up within 200 ms")
 * is steadier than a ratio to a floor.
 *
 * <p>Time is an input ({@code System.nanoTime()} in the edge), so tests need no sleeps. Thread-safe:
 * admissions come from SIP threads, their ends from the verdict consumer, timers and the I/O executor.
 */
public final class SetupLimiter {
    /** What a decrease keeps of the limit. */
    static final double BACKOFF = 0.8;

    /**
     * {@code enabled} false: nothing is refused (calls in set-up are still counted). Calls in set-up
     * are refused past {@code maxSetup} always, past the adaptive limit ({@code minSetup}..{@code maxSetup})
     * when set-up takes longer than {@code targetLatency}.
     */
    public record Settings(boolean enabled, int minSetup, int maxSetup, Duration targetLatency) {
        public Settings {
            if (minSetup < 1 || maxSetup < minSetup) {
                throw new IllegalArgumentException("need 1 <= minSetup (" + minSetup + ") <= maxSetup (" + maxSetup + ")");
            }
            if (targetLatency.isNegative() || targetLatency.isZero()) throw new IllegalArgumentException("targetLatency must be positive");
        }
    }

    private final Settings settings;
    private final long targetNanos;
    /** Calls in set-up in order of admission (the clock never goes back), so the first is the oldest. */
    private final Set<Admission> inSetup = new LinkedHashSet<>();
    private double limit;
    private long lastDecrease;
    private boolean decreased;
    private long refused;

    public SetupLimiter(Settings settings) {
        this.settings = settings;
        this.targetNanos = settings.targetLatency().toNanos();
        this.limit = settings.maxSetup();
    }

    /** A new call's admission, or null when admitting it would exceed the limit (answer it 503). */
    public synchronized Admission admit(long nowNanos) {
        Admission oldest = inSetup.isEmpty() ? null : inSetup.iterator().next();
        if (oldest != null && nowNanos - oldest.admittedAt > targetNanos) late(oldest.admittedAt, nowNanos);
        if (settings.enabled() && inSetup.size() >= limit()) {
            refused++;
            return null;
        }
        Admission a = new Admission(nowNanos);
        inSetup.add(a);
        return a;
    }

    /**
     * Whether {@link #admit} would refuse a call now: the same lowering of the limit for a call in set-up past its
     * target first, but nothing admitted and nothing counted as refused.
     */
    public synchronized boolean full(long nowNanos) {
        Admission oldest = inSetup.isEmpty() ? null : inSetup.iterator().next();
        if (oldest != null && nowNanos - oldest.admittedAt > targetNanos) late(oldest.admittedAt, nowNanos);
        return settings.enabled() && inSetup.size() >= limit();
    }

    /** The current limit on calls in set-up. */
    public synchronized int limit() { return (int) limit; }

    public synchronized int inSetup() { return inSetup.size(); }

    /** New calls refused since start. */
    public synchronized long refused() { return refused; }

    public Settings settings() { return settings; }

    private void late(long admittedAt, long nowNanos) {
        if (decreased && admittedAt - lastDecrease < 0) return; // admitted before the last decrease: already paid for
        limit = Math.max(settings.minSetup(), limit * BACKOFF);
        lastDecrease = nowNanos;
        decreased = true;
    }

    private void onTime() { limit = Math.min(settings.maxSetup(), limit + 1); }

    /** One call in set-up. Ends once: its first end counts, later ones do nothing. */
    public final class Admission {
        private final long admittedAt;
        private boolean ended;

        private Admission(long admittedAt) { this.admittedAt = admittedAt; }

        /** The router's verdict arrived: set-up latency from admission to now. */
        public void answered(long nowNanos) {
            synchronized (SetupLimiter.this) {
                if (!end()) return;
                if (nowNanos - admittedAt > targetNanos) late(admittedAt, nowNanos);
                else onTime();
            }
        }

        /** No verdict in time (or the attempt was not delivered): the strongest sign of overload. */
        public void timedOut(long nowNanos) {
            synchronized (SetupLimiter.this) {
                if (end()) late(admittedAt, nowNanos);
            }
        }

        /**
         * Ended without a verdict and without telling anything about the load: the INVITE was answered
         * before the router was asked (401 challenge, 403, a block, a store outage), or the call ended
         * while it waited (CANCEL).
         */
        public void release() {
            synchronized (SetupLimiter.this) {
                end();
            }
        }

        private boolean end() {
            if (ended) return false;
            ended = true;
            inSetup.remove(this);
            return true;
        }
    }
}
