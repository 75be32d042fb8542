package io.sipstream.edge.overload;

import java.time.Duration;

/**
 * Whether the SIP layer refuses a new INVITE, by how long datagrams wait for a SIP thread. Past its
 * capacity the stack's queue of datagrams read but not yet handled grows, every message waits in it,
 * the peers retransmit what waited past 500 ms and the retransmissions add to the load: at twice the
 * held rate the edge served a fifth of the calls and did not recover. {@link SetupLimiter} cannot
 * prevent this, it sees an INVITE only after the INVITE has queued. So when the oldest datagram still
 * queued has waited longer than the threshold, a new INVITE is answered 503 at once, before the
 * transaction layer does any work for it; what is already admitted (ACK, BYE, CANCEL, responses,
 * in-dialog requests) and REGISTER pass, and the queue drains at the pace of the cheap refusals.
 *
 * <p>A refused INVITE was ahead of the oldest queued datagram, so it has itself waited at least the
 * threshold: the threshold must leave room under the time a refusal may take (50 ms from arrival).
 *
 * <p>Only a sustained delay is overload: a collection's pause leaves a burst that the SIP threads
 * drain in tens of milliseconds (a full collection's in a few hundred), and refusing calls then
 * failed calls at rates the edge holds. So refusing starts once the delay has stayed past the
 * threshold for {@code sustain}, and while it goes on the low-water mark is half the threshold (the
 * refusals hold the queue near it); it stops once the delay has stayed under that mark for
 * {@code sustain}. (Past the threshold itself QueueDelayValve does not wait for the sustain: the thread reading the
 * UDP socket refuses new INVITEs on receipt at once, and the valve those over TCP, TLS and WebSocket.)
 *
 * <p>Time is an input, so tests need no sleeps. Thread-safe: SIP threads call it.
 */
public final class QueueDelayShedder {
    private static final long REPORT_EVERY_NANOS = 1_000_000_000L;
    private final long thresholdMillis;
    private final long sustainNanos;
    private boolean shedding;
    /** When the delay last crossed the mark that changes the state (-1: it is on this state's side of it). */
    private long crossedAt = -1;
    private long shed;
    private long shedSinceReport;
    private long worstDelaySinceReport;
    private long lastReport;
    private boolean reported;

    /** {@code threshold} zero: nothing is refused (the delay is still measured). */
    public QueueDelayShedder(Duration threshold, Duration sustain) {
        if (threshold.isNegative()) throw new IllegalArgumentException("threshold must not be negative");
        if (sustain.isNegative()) throw new IllegalArgumentException("sustain must not be negative");
        this.thresholdMillis = threshold.toMillis();
        this.sustainNanos = sustain.toNanos();
    }

    public boolean enabled() { return thresholdMillis > 0; }

    public long thresholdMillis() { return thresholdMillis; }

    /** {@link #refuses} and, when it does, {@link #refused}. */
    public synchronized boolean shed(long queueDelayMillis, long nowNanos) {
        if (!refuses(queueDelayMillis, nowNanos)) return false;
        refused(queueDelayMillis);
        return true;
    }

    /** Whether to refuse a new INVITE now, the oldest datagram still queued having waited {@code queueDelayMillis}. */
    public synchronized boolean refuses(long queueDelayMillis, long nowNanos) {
        if (!enabled()) return false;
        if (!shedding) {
            if (queueDelayMillis <= thresholdMillis) {
                crossedAt = -1;
                return false;
            }
            if (crossedAt < 0) crossedAt = nowNanos;
            if (nowNanos - crossedAt < sustainNanos) return false; // a burst, perhaps: it may drain
            shedding = true;
            crossedAt = -1;
        } else if (queueDelayMillis <= thresholdMillis / 2) {
            if (crossedAt < 0) crossedAt = nowNanos;
            if (nowNanos - crossedAt >= sustainNanos) {
                shedding = false;
                crossedAt = -1;
            }
            return false;
        } else {
            crossedAt = -1;
        }
        return true;
    }

    /** Counts a new INVITE refused (not a retransmission of one being served, which the valve lets through). */
    public synchronized void refused(long queueDelayMillis) {
        shed++;
        shedSinceReport++;
        worstDelaySinceReport = Math.max(worstDelaySinceReport, queueDelayMillis);
    }

    /** Whether new INVITEs are being refused (the delay has stayed past the threshold). */
    public synchronized boolean shedding() { return shedding; }

    /** New INVITEs refused since start. */
    public synchronized long shedCount() { return shed; }

    /**
     * A line for the log about the INVITEs refused since the last one, or null: at once when refusing starts,
     * then at most once a second while it goes on, never while nothing is refused.
     */
    public synchronized String report(long nowNanos) {
        if (shedSinceReport == 0) return null;
        if (reported && nowNanos - lastReport < REPORT_EVERY_NANOS) return null;
        String line = "SIP layer overloaded: " + shedSinceReport + " new INVITE(s) answered 503"
                + (reported ? " in the last " + Math.round((nowNanos - lastReport) / 1e9) + " s" : "")
                + ", datagrams waiting up to " + worstDelaySinceReport + " ms for a SIP thread (edge.overload.queue.delay "
                + thresholdMillis + " ms)";
        reported = true;
        lastReport = nowNanos;
        shedSinceReport = 0;
        worstDelaySinceReport = 0;
        return line;
    }
}
