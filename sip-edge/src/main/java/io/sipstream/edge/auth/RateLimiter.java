package io.sipstream.edge.auth;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per source IP: {@code perSecond} messages a second, bursts up to twice that.
 * Requests over the limit are dropped (not answered), so a flood costs the edge no sending.
 */
public final class RateLimiter {
    private final double perSecond;
    private final double burst;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        double tokens;
        long lastNanos;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.lastNanos = now;
        }
    }

    public RateLimiter(int perSecond) {
        this.perSecond = perSecond;
        this.burst = 2.0 * perSecond;
    }

    public boolean tryAcquire(String ip, long nowNanos) {
        Bucket b = buckets.computeIfAbsent(ip, k -> new Bucket(burst, nowNanos));
        synchronized (b) {
            double elapsed = Math.max(0, nowNanos - b.lastNanos) / 1e9;
            b.tokens = Math.min(burst, b.tokens + elapsed * perSecond);
            b.lastNanos = nowNanos;
            if (b.tokens < 1) return false;
            b.tokens -= 1;
            return true;
        }
    }

    /** Forgets sources idle long enough to have a full bucket again. */
    public void purge(long nowNanos) {
        long full = (long) (burst / perSecond * 1e9);
        buckets.entrySet().removeIf(e -> nowNanos - e.getValue().lastNanos > full);
    }

    public int tracked() { return buckets.size(); }
}
