package io.sipstream.edge.auth;

import io.sipstream.edge.sip.SipSource;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiPredicate;
import javax.sip.message.Request;

/**
 * Admits a request unless its source is over its rate or banned; counts what it drops. A carrier's
 * request (a source on a trunk's allow-list, or one the edge's registration at a provider tells, {@link CarrierMatch})
 * is limited per trunk (all its addresses together, at the
 * trunk rate), never by the per-IP rate meant for phones, and never banned, so neither a busy
 * carrier nor REGISTERs forged with its address can get it dropped. Everyone else gets the per-IP
 * rate and the bans of {@link AuthBans}. What it drops is counted in {@link AuthMetrics}.
 */
public final class RequestGuard implements BiPredicate<SipSource, Request> {
    private final RateLimiter perSource;
    private final RateLimiter perTrunk;
    private final AuthBans bans;
    private final CarrierMatch trunks;
    private final LongAdder overRate = new LongAdder();
    private final LongAdder overTrunkRate = new LongAdder();
    private final LongAdder banned = new LongAdder();

    public RequestGuard(RateLimiter perSource, RateLimiter perTrunk, AuthBans bans, CarrierMatch trunks) {
        this.perSource = perSource;
        this.perTrunk = perTrunk;
        this.bans = bans;
        this.trunks = trunks;
    }

    @Override
    public boolean test(SipSource source, Request request) {
        String trunk = trunks.trunkIdOf(source, request);
        if (trunk != null) {
            if (perTrunk.tryAcquire(trunk, System.nanoTime())) return true;
            overTrunkRate.increment();
            return false;
        }
        if (bans.isBanned(source.ip(), request, System.currentTimeMillis())) {
            banned.increment();
            return false;
        }
        if (!perSource.tryAcquire(source.ip(), System.nanoTime())) {
            overRate.increment();
            return false;
        }
        return true;
    }

    public long droppedBanned() { return banned.sum(); }

    public long droppedOverRate() { return overRate.sum(); }

    public long droppedOverTrunkRate() { return overTrunkRate.sum(); }

    public void purge() {
        perSource.purge(System.nanoTime());
        perTrunk.purge(System.nanoTime());
        bans.purge(System.currentTimeMillis());
    }
}
