package io.sipstream.edge.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateLimiterAndBansTest {
    @Test
    void shouldAllowABurstThenTheRatePerSource() {
        RateLimiter limiter = new RateLimiter(10);
        long t = 0;
        int allowed = 0;
        for (int i = 0; i < 50; i++) if (limiter.tryAcquire("192.0.2.1", t)) allowed++;
        assertThat(allowed).isEqualTo(20); // the burst: twice the rate
        assertThat(limiter.tryAcquire("192.0.2.2", t)).as("another source has its own bucket").isTrue();
        t += 500_000_000L; // half a second refills five
        allowed = 0;
        for (int i = 0; i < 50; i++) if (limiter.tryAcquire("192.0.2.1", t)) allowed++;
        assertThat(allowed).isEqualTo(5);
        limiter.purge(t + 10_000_000_000L);
        assertThat(limiter.tracked()).isZero();
    }

    @Test
    void shouldBanASourceAfterRepeatedFailuresForAWhile() {
        AuthBans bans = new AuthBans(3, Duration.ofMinutes(1));
        bans.recordFailure("192.0.2.1", 0);
        bans.recordFailure("192.0.2.1", 1000);
        assertThat(bans.isBanned("192.0.2.1", 1000)).isFalse();
        bans.recordFailure("192.0.2.1", 2000);
        assertThat(bans.isBanned("192.0.2.1", 2000)).isTrue();
        assertThat(bans.isBanned("192.0.2.9", 2000)).isFalse();
        assertThat(bans.isBanned("192.0.2.1", 62_001)).as("ban expires").isFalse();
    }

    @Test
    void shouldTellTheFailureThatBansASourceAndCountTheSourcesBannedNow() {
        AuthBans bans = new AuthBans(2, Duration.ofMinutes(1));
        assertThat(bans.recordFailure("192.0.2.1", 0)).isFalse();
        assertThat(bans.recordFailure("192.0.2.1", 10)).as("the second failure bans").isTrue();
        assertThat(bans.recordFailure("192.0.2.1", 20)).as("already banned: no new ban").isFalse();
        assertThat(bans.recordFailure("192.0.2.2", 20)).isFalse();
        assertThat(bans.bannedCount(30)).isEqualTo(1);
        assertThat(bans.bannedCount(60_021)).as("the ban has expired").isZero();
    }

    @Test
    void shouldForgetFailuresAfterASuccess() {
        AuthBans bans = new AuthBans(2, Duration.ofMinutes(1));
        bans.recordFailure("192.0.2.1", 0);
        bans.recordSuccess("192.0.2.1");
        bans.recordFailure("192.0.2.1", 10);
        assertThat(bans.isBanned("192.0.2.1", 10)).isFalse();
    }
}
