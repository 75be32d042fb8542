package io.sipstream.edge.overload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The SIP layer's refusal of new INVITEs by queueing delay, and its log lines, with time as an input. */
class QueueDelayShedderTest {
    private static final long MS = 1_000_000L;

    @Test
    void shouldRefuseOnlyWhileTheOldestQueuedDatagramHasWaitedPastTheThreshold() {
        QueueDelayShedder shedder = new QueueDelayShedder(Duration.ofMillis(20), Duration.ZERO);

        assertThat(shedder.shed(0, 0)).isFalse();
        assertThat(shedder.shed(20, 0)).as("at the threshold").isFalse();
        assertThat(shedder.shed(21, 0)).isTrue();
        assertThat(shedder.shed(900, 0)).isTrue();
        assertThat(shedder.shed(3, 0)).as("the queue drained").isFalse();
        assertThat(shedder.shedCount()).isEqualTo(2);
    }

    @Test
    void shouldLetABurstDrainAndRefuseOnlyASustainedDelayUntilItHasStayedLowForAsLong() {
        QueueDelayShedder shedder = new QueueDelayShedder(Duration.ofMillis(20), Duration.ofMillis(500));

        // a collection's pause: the burst waits past the threshold for 300 ms, then drains
        for (long t = 0; t <= 300; t += 50) assertThat(shedder.shed(60, t * MS)).as("burst at %d ms", t).isFalse();
        assertThat(shedder.shed(4, 350 * MS)).isFalse();
        assertThat(shedder.shed(60, 400 * MS)).as("a new burst starts its own clock").isFalse();
        assertThat(shedder.shed(60, 850 * MS)).isFalse();
        // overload: the delay stays past the threshold for the sustain time
        assertThat(shedder.shed(80, 900 * MS)).as("past the threshold for 500 ms").isTrue();
        assertThat(shedder.shedding()).isTrue();
        assertThat(shedder.shed(15, 950 * MS)).as("while refusing, above the low-water mark (10 ms)").isTrue();
        assertThat(shedder.shed(5, 1_000 * MS)).as("under the mark: admitted").isFalse();
        assertThat(shedder.shed(15, 1_200 * MS)).as("back above it before it stayed low").isTrue();
        assertThat(shedder.shed(5, 1_300 * MS)).isFalse();
        assertThat(shedder.shed(6, 1_800 * MS)).as("low for 500 ms: refusing ends").isFalse();
        assertThat(shedder.shedding()).isFalse();
        assertThat(shedder.shed(25, 1_850 * MS)).as("past the threshold again: a burst until it lasts").isFalse();
        assertThat(shedder.shedCount()).isEqualTo(3);
    }

    @Test
    void shouldRefuseNothingWhenDisabled() {
        QueueDelayShedder shedder = new QueueDelayShedder(Duration.ZERO, Duration.ZERO);

        assertThat(shedder.enabled()).isFalse();
        assertThat(shedder.shed(5_000, 0)).isFalse();
        assertThat(shedder.shedCount()).isZero();
        assertThat(shedder.report(0)).isNull();
    }

    @Test
    void shouldReportAtOnceWhenRefusingStartsThenAtMostOnceASecond() {
        QueueDelayShedder shedder = new QueueDelayShedder(Duration.ofMillis(20), Duration.ZERO);
        long now = 5_000 * MS;
        assertThat(shedder.report(now)).as("nothing refused").isNull();

        shedder.shed(40, 0);
        assertThat(shedder.report(now)).contains("1 new INVITE(s) answered 503", "up to 40 ms", "edge.overload.queue.delay 20 ms");
        for (int i = 0; i < 50; i++) {
            now += 10 * MS;
            shedder.shed(60 + i, 0);
            assertThat(shedder.report(now)).as("within the second").isNull();
        }
        now += 500 * MS;
        assertThat(shedder.report(now)).contains("50 new INVITE(s) answered 503 in the last 1 s", "up to 109 ms");

        now += 5_000 * MS;
        assertThat(shedder.report(now)).as("nothing refused since").isNull();
        shedder.shed(30, 0);
        assertThat(shedder.report(now)).contains("1 new INVITE(s)", "up to 30 ms");
    }

    @Test
    void shouldRejectANegativeThreshold() {
        assertThatThrownBy(() -> new QueueDelayShedder(Duration.ofMillis(-1), Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
