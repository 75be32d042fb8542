package io.sipstream.edge.call;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Direction;
import io.sipstream.avro.HangupParty;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The per-trunk meters: what an outcome counts as, and the duration a call's report records. */
class TrunkMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final TrunkMetrics trunks = new TrunkMetrics(registry);

    @Test
    void shouldCountAnAnswerOrAFailureByStatusAndNoResponseAs408() {
        TrunkMetrics.Trunk t1 = trunks.outbound("t1");
        t1.attempt();
        t1.outcome(200);
        t1.attempt();
        t1.outcome(503);
        t1.attempt();
        t1.outcome(0);
        assertThat(trunks.outbound("t1")).as("looked up, not made again").isSameAs(t1);

        assertThat(registry.get("sipstream.edge.trunk.attempts").tags("trunk", "t1", "direction", "outbound").counter().count()).isEqualTo(3);
        assertThat(registry.get("sipstream.edge.trunk.answers").tags("trunk", "t1", "direction", "outbound").counter().count()).isEqualTo(1);
        assertThat(registry.get("sipstream.edge.trunk.failures").tags("trunk", "t1", "status", "503").counter().count()).isEqualTo(1);
        assertThat(registry.get("sipstream.edge.trunk.failures").tags("trunk", "t1", "status", "408").counter().count()).isEqualTo(1);
        assertThat(registry.find("sipstream.edge.trunk.attempts").tags("direction", "inbound").counters()).isEmpty();
    }

    @Test
    void shouldTimeAnAnsweredCallUntilItEndedUnderItsTrunkOrNone() {
        CallReport viaTrunk = new CallReport(e -> { }, "1", false, attempt(Direction.OUTBOUND, null), 0, trunks);
        viaTrunk.trunk("t2");
        viaTrunk.answered(1_000, null, null);
        // a silent peer's call ends at its last proof of life (4 s), found out later (10 s): it talked 3 s
        viaTrunk.end(CallEventType.ENDED, 408, "session timer", null, HangupParty.SYSTEM, 10_000, 4_000);
        CallReport toAPhone = new CallReport(e -> { }, "1", false, attempt(Direction.OUTBOUND, null), 0, trunks);
        toAPhone.answered(0, null, null);
        toAPhone.end(CallEventType.ENDED, 200, "caller hung up", HangupParty.CALLER, 2_000);
        CallReport unanswered = new CallReport(e -> { }, "1", false, attempt(Direction.INBOUND, "carrier"), 0, trunks);
        unanswered.end(CallEventType.FAILED, 486, "busy", HangupParty.CALLEE, 2_000);

        Timer t2 = registry.get("sipstream.edge.call.duration").tags("trunk", "t2", "direction", "outbound").timer();
        assertThat(t2.count()).isEqualTo(1);
        assertThat(t2.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(3_000);
        assertThat(registry.get("sipstream.edge.call.duration").tags("trunk", TrunkMetrics.NO_TRUNK).timer().count()).isEqualTo(1);
        assertThat(registry.find("sipstream.edge.call.duration").tags("trunk", "carrier").timers())
                .allSatisfy(t -> assertThat(t.count()).as("an unanswered call has no duration").isZero());
        assertThat(registry.getMeters()).extracting(Meter::getId).allSatisfy(id -> assertThat(id.getTags().toString())
                .doesNotContain("acme", "+1555"));
    }

    private static CallAttempt attempt(Direction direction, String sourceTrunk) {
        return CallAttempt.newBuilder().setCallId("e1-x:c1").setEdgeId("1").setReplyPartition(1)
                .setDirection(direction).setAccountId("acme").setSourceTrunkId(sourceTrunk).setFromUser("alice")
                .setFromUri("sip:alice@sipstream.local").setDialled("+15557654321").setRequestUri("sip:+15557654321@edge")
                .setSourceIp("127.0.0.1").setSourcePort(5070).setTransport("udp").setReceivedAt(Instant.ofEpochMilli(0)).build();
    }
}
