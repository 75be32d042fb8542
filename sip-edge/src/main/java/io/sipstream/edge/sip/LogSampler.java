package io.sipstream.edge.sip;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets one of a kind of log line through a second at most, with how many came since: for what anyone on the
 * network can make the edge log (malformed messages, forged relay requests), so that a flood costs a counter,
 * not a line of log each.
 */
public final class LogSampler {
    private static final long EVERY_NANOS = 1_000_000_000L;
    private final AtomicLong lastLoggedNanos = new AtomicLong(System.nanoTime() - EVERY_NANOS);
    private final AtomicLong sinceLogged = new AtomicLong();

    /** One more occurrence: how many since the last one logged (this one too) when this one is to be logged, else 0. */
    public long next() {
        long since = sinceLogged.incrementAndGet();
        long now = System.nanoTime();
        long last = lastLoggedNanos.get();
        if (now - last < EVERY_NANOS || !lastLoggedNanos.compareAndSet(last, now)) return 0;
        sinceLogged.addAndGet(-since);
        return since;
    }
}
