package io.sipstream.edge.auth;

import io.sipstream.edge.sip.SipSource;
import java.util.function.Predicate;
import java.util.concurrent.atomic.AtomicLong;

/** Admits a request unless its source is over its rate or banned; counts what it drops. */
public final class RequestGuard implements Predicate<SipSource> {
    private final RateLimiter limiter;
    private final AuthBans bans;
    private final AtomicLong dropped = new AtomicLong();

    public RequestGuard(RateLimiter limiter, AuthBans bans) {
        this.limiter = limiter;
        this.bans = bans;
    }

    @Override
    public boolean test(SipSource source) {
        if (bans.isBanned(source.ip(), System.currentTimeMillis()) || !limiter.tryAcquire(source.ip(), System.nanoTime())) {
            dropped.incrementAndGet();
            return false;
        }
        return true;
    }

    public long dropped() { return dropped.get(); }

    public void purge() {
        limiter.purge(System.nanoTime());
        bans.purge(System.currentTimeMillis());
    }
}
