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
        AuthBans bans = new AuthBans(3, 10, Duration.ofMinutes(1));
        bans.recordFailure("192.0.2.1", "alice", 0);
        bans.recordFailure("192.0.2.1", "alice", 1000);
        assertThat(bans.isBanned("192.0.2.1", "alice", 1000)).isFalse();
        bans.recordFailure("192.0.2.1", "alice", 2000);
        assertThat(bans.isBanned("192.0.2.1", "alice", 2000)).isTrue();
        assertThat(bans.isBanned("192.0.2.9", "alice", 2000)).isFalse();
        assertThat(bans.isBanned("192.0.2.1", "alice", 62_001)).as("ban expires").isFalse();
    }

    @Test
    void shouldTellTheFailureThatBansASourceAndCountTheSourcesBannedNow() {
        AuthBans bans = new AuthBans(2, 2, Duration.ofMinutes(1));
        assertThat(bans.recordFailure("192.0.2.1", "alice", 0)).isEqualTo(AuthBans.Ban.NONE);
        assertThat(bans.recordFailure("192.0.2.1", "alice", 10)).as("the second failure bans").isEqualTo(AuthBans.Ban.USER);
        assertThat(bans.recordFailure("192.0.2.1", "alice", 20)).as("already banned: no new ban").isEqualTo(AuthBans.Ban.NONE);
        assertThat(bans.recordFailure("192.0.2.2", "alice", 20)).isEqualTo(AuthBans.Ban.NONE);
        assertThat(bans.bannedCount(30)).isEqualTo(1);
        assertThat(bans.recordFailure("192.0.2.1", "bob", 40)).as("a second user fails: the whole source").isEqualTo(AuthBans.Ban.SOURCE);
        assertThat(bans.bannedCount(50)).as("a source counts once").isEqualTo(1);
        assertThat(bans.bannedCount(60_041)).as("the ban has expired").isZero();
    }

    @Test
    void shouldForgetFailuresAfterASuccess() {
        AuthBans bans = new AuthBans(2, 10, Duration.ofMinutes(1));
        bans.recordFailure("192.0.2.1", "alice", 0);
        bans.recordSuccess("192.0.2.1", "alice");
        bans.recordFailure("192.0.2.1", "alice", 10);
        assertThat(bans.isBanned("192.0.2.1", "alice", 10)).isFalse();
    }

    @Test
    void shouldBanOnlyTheFailingUserOfASharedAddressUntilManyUsersFail() {
        AuthBans bans = new AuthBans(2, 3, Duration.ofMinutes(1));
        bans.recordFailure("192.0.2.1", "bob", 0);
        bans.recordFailure("192.0.2.1", "bob", 10);
        assertThat(bans.isBanned("192.0.2.1", "bob", 20)).as("the phone with the wrong password").isTrue();
        assertThat(bans.isBanned("192.0.2.1", "alice", 20)).as("the office's other phones behind the same NAT").isFalse();
        assertThat(bans.isBanned("192.0.2.1", "", 20)).isFalse();

        // a scanner trying names: failures of three users ban the whole address
        bans.recordFailure("192.0.2.1", "admin", 30);
        assertThat(bans.isBanned("192.0.2.1", "alice", 30)).isFalse();
        bans.recordFailure("192.0.2.1", "100", 40);
        assertThat(bans.isBanned("192.0.2.1", "alice", 40)).isTrue();
        assertThat(bans.isBanned("192.0.2.2", "alice", 40)).isFalse();
        assertThat(bans.isBanned("192.0.2.1", "alice", 60_041)).as("ban expires").isFalse();

        // failures spread wider than the ban's duration apart never add up to a ban of the address
        AuthBans slow = new AuthBans(2, 2, Duration.ofMinutes(1));
        slow.recordFailure("192.0.2.3", "bob", 0);
        slow.recordFailure("192.0.2.3", "carol", 60_001);
        assertThat(slow.isBanned("192.0.2.3", "alice", 60_001)).isFalse();

        bans.purge(10 * 60_000);
        assertThat(bans.isBanned("192.0.2.1", "bob", 10 * 60_000)).isFalse();
    }
}
