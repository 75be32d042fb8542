package io.sipstream.edge.overload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The limit on calls in set-up, driven by a clock the test advances (milliseconds, as nanos). */
class SetupLimiterTest {
    private static final long MS = 1_000_000L;
    private long now = 1_000 * MS;

    private static SetupLimiter limiter(int min, int max) {
        return new SetupLimiter(new SetupLimiter.Settings(true, min, max, Duration.ofMillis(200)));
    }

    private List<SetupLimiter.Admission> admitAll(SetupLimiter limiter, int n) {
        List<SetupLimiter.Admission> admitted = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SetupLimiter.Admission a = limiter.admit(now);
            if (a != null) admitted.add(a);
        }
        return admitted;
    }

    @Test
    void shouldRefuseTheCallsPastTheHardCapAndAdmitAgainOnceOneIsAnswered() {
        SetupLimiter limiter = limiter(2, 5);
        List<SetupLimiter.Admission> admitted = admitAll(limiter, 8);

        assertThat(admitted).hasSize(5);
        assertThat(limiter.refused()).isEqualTo(3);
        assertThat(limiter.inSetup()).isEqualTo(5);

        now += 20 * MS;
        admitted.getFirst().answered(now);
        assertThat(limiter.inSetup()).isEqualTo(4);
        assertThat(limiter.admit(now)).as("a place freed by a verdict").isNotNull();
        assertThat(limiter.admit(now)).isNull();
    }

    @Test
    void shouldShrinkByAFifthWhenAVerdictComesLaterThanTheTarget() {
        SetupLimiter limiter = limiter(2, 50);
        List<SetupLimiter.Admission> admitted = admitAll(limiter, 10);

        now += 250 * MS;
        admitted.get(0).answered(now);
        assertThat(limiter.limit()).isEqualTo(40);
        // the calls admitted with it were caught in the same backlog: no second decrease for them
        for (SetupLimiter.Admission a : admitted.subList(1, 10)) a.answered(now);
        assertThat(limiter.limit()).isEqualTo(40);

        // a call admitted after the decrease that is late again is a new round trip: another decrease
        SetupLimiter.Admission later = limiter.admit(now);
        now += 300 * MS;
        later.answered(now);
        assertThat(limiter.limit()).isEqualTo(32);
    }

    @Test
    void shouldShrinkWhenAVerdictTimesOutAndNeverBelowTheFloor() {
        SetupLimiter limiter = limiter(10, 50);
        for (int round = 0; round < 20; round++) {
            SetupLimiter.Admission a = limiter.admit(now);
            now += 2_000 * MS;
            a.timedOut(now);
        }
        assertThat(limiter.limit()).isEqualTo(10);
        assertThat(admitAll(limiter, 15)).hasSize(10);
    }

    @Test
    void shouldShrinkBeforeAnyVerdictWhenTheOldestCallHasWaitedPastTheTarget() {
        // the router stopped answering: no verdict tells it, the age of the oldest call does
        SetupLimiter limiter = limiter(4, 20);
        admitAll(limiter, 5);
        now += 150 * MS;
        limiter.admit(now);
        assertThat(limiter.limit()).as("within the target").isEqualTo(20);

        now += 100 * MS; // the first five have waited 250 ms
        limiter.admit(now);
        assertThat(limiter.limit()).isEqualTo(16);
        now += 10 * MS;
        limiter.admit(now);
        assertThat(limiter.limit()).as("the same oldest call: once").isEqualTo(16);
        assertThat(limiter.inSetup()).isEqualTo(8);
    }

    @Test
    void shouldGrowBackWithCallsSetUpWithinTheTarget() {
        SetupLimiter limiter = limiter(5, 40);
        for (int round = 0; round < 10; round++) { // overload: every set-up late
            SetupLimiter.Admission a = limiter.admit(now);
            now += 500 * MS;
            a.answered(now);
        }
        assertThat(limiter.limit()).isEqualTo(5);
        assertThat(admitAll(limiter, 10)).as("at the floor").hasSize(5).allSatisfy(a -> a.answered(now));

        // load drops: set-ups within the target, each one lets one more in, up to the cap
        for (int i = 0; i < 100; i++) {
            SetupLimiter.Admission a = limiter.admit(now);
            now += 20 * MS;
            a.answered(now);
        }
        assertThat(limiter.limit()).isEqualTo(40);
        assertThat(admitAll(limiter, 45)).hasSize(40);
    }

    @Test
    void shouldNotLearnFromInvitesAnsweredBeforeTheRouterWasAsked() {
        SetupLimiter limiter = limiter(2, 10);
        SetupLimiter.Admission challenged = limiter.admit(now);
        now += 5_000 * MS; // a slow digest challenge tells nothing about the router
        challenged.release();
        assertThat(limiter.inSetup()).isZero();
        assertThat(limiter.limit()).isEqualTo(10);
    }

    @Test
    void shouldCountEachCallOnceWhateverEndsIt() {
        SetupLimiter limiter = limiter(2, 10);
        SetupLimiter.Admission a = limiter.admit(now);
        SetupLimiter.Admission b = limiter.admit(now);
        now += 3_000 * MS;
        a.timedOut(now);
        a.answered(now); // a verdict after the timeout
        a.release(); // then the call ends
        assertThat(limiter.inSetup()).isEqualTo(1);
        assertThat(limiter.limit()).isEqualTo(8);
        b.release();
        b.release();
        assertThat(limiter.inSetup()).isZero();
    }

    @Test
    void shouldCountButNeverRefuseWhenDisabled() {
        SetupLimiter limiter = new SetupLimiter(new SetupLimiter.Settings(false, 1, 3, Duration.ofMillis(200)));
        assertThat(admitAll(limiter, 10)).hasSize(10);
        assertThat(limiter.inSetup()).isEqualTo(10);
        assertThat(limiter.refused()).isZero();
    }

    @Test
    void shouldRejectAFloorAboveTheCap() {
        assertThatThrownBy(() -> limiter(20, 10)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minSetup (20)");
    }
}
