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
        QueueDelayShedder shedder = new QueueDelayShedder(Duration.ofMillis(20));

        assertThat(shedder.shed(0)).isFalse();
        assertThat(shedder.shed(20)).as("at the threshold").isFalse();
        assertThat(shedder.shed(21)).isTrue();
        assertThat(shedder.shed(900)).isTrue();
        assertThat(shedder.shed(3)).as("the queue drained").isFalse();
        assertThat(shedder.shedCount()).isEqualTo(2);
    }

    @Test
    void shouldRefuseNothingWhenDisabled() {
        QueueDelayShedder shedder = new QueueDelayShedder(Duration.ZERO);

        assertThat(shedder.enabled()).isFalse();
        assertThat(shedder.shed(5_000)).isFalse();
        assertThat(shedder.shedCount()).isZero();
        assertThat(shedder.report(0)).isNull();
    }

    @Test
    void shouldReportAtOnceWhenRefusingStartsThenAtMostOnceASecond() {
        QueueDelayShedder shedder = new QueueDelayShedder(Duration.ofMillis(20));
        long now = 5_000 * MS;
        assertThat(shedder.report(now)).as("nothing refused").isNull();

        shedder.shed(40);
        assertThat(shedder.report(now)).contains("1 new INVITE(s) answered 503", "up to 40 ms", "edge.overload.queue.delay 20 ms");
        for (int i = 0; i < 50; i++) {
            now += 10 * MS;
            shedder.shed(60 + i);
            assertThat(shedder.report(now)).as("within the second").isNull();
        }
        now += 500 * MS;
        assertThat(shedder.report(now)).contains("50 new INVITE(s) answered 503 in the last 1 s", "up to 109 ms");

        now += 5_000 * MS;
        assertThat(shedder.report(now)).as("nothing refused since").isNull();
        shedder.shed(30);
        assertThat(shedder.report(now)).contains("1 new INVITE(s)", "up to 30 ms");
    }

    @Test
    void shouldRejectANegativeThreshold() {
        assertThatThrownBy(() -> new QueueDelayShedder(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }
}
