package io.sipstream.router.topology;

import static io.sipstream.router.topology.RouterDriver.account;
import static io.sipstream.router.topology.RouterDriver.trunk;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallEventType;
import io.sipstream.avro.DialPlanRule;
import io.sipstream.avro.DialPlanRuleType;
import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.TrunkLoad;
import io.sipstream.avro.VerdictAction;
import io.sipstream.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A trunk's channel limit (maxChannels), counted from the router's verdicts and the edge's events across
 * every account, and enforced when the router chooses trunks.
 */
class TrunkChannelsTest {
    private RouterDriver d;
    private TestOutputTopic<String, TrunkLoad> loads;

    @BeforeEach
    void setUp() {
        d = new RouterDriver();
        d.put(trunk("t1").setMaxChannels(1));
        d.put(trunk("t2").setMaxChannels(1));
        // two accounts, each with a rule over [t1, t2]: a trunk's calls are counted whoever places them
        List<DialPlanRule> overBoth = List.of(DialPlanRule.newBuilder().setType(DialPlanRuleType.PREFIX).setPattern("+1555.")
                .setTrunks(List.of("t1", "t2")).build());
        d.put(account("acme").setDialPlan(overBoth));
        d.put(account("beta").setDialPlan(overBoth));
        loads = d.driver.createOutputTopic(Topics.ROUTER_TRUNK_CALLS.name(), new StringDeserializer(),
                Topics.ROUTER_TRUNK_CALLS.valueSerde(d.serdes).deserializer());
    }

    @AfterEach
    void tearDown() { d.close(); }

    private RoutingVerdict call(String accountId, String callId) {
        return d.decide(d.outbound(accountId, "+15551234567").setCallId(callId));
    }

    private static List<String> trunkIds(RoutingVerdict v) { return v.getTargets().stream().map(RouteTarget::getTrunkId).toList(); }

    @Test
    void shouldSkipAFullTrunkAndRefuseWith503AndCause34WhenEveryTrunkIsFull() {
        assertThat(trunkIds(call("acme", "c1"))).containsExactly("t1", "t2");
        assertThat(trunkIds(call("beta", "c2"))).as("t1 carries acme's call").containsExactly("t2");

        RoutingVerdict full = call("acme", "c3");
        assertThat(full.getAction()).isEqualTo(VerdictAction.REJECT);
        assertThat(full.getSipStatus()).isEqualTo(503);
        assertThat(full.getQ850Cause()).isEqualTo(34);
        assertThat(full.getReason()).contains("trunk t1 is full (1 of 1 channels)", "trunk t2 is full");

        d.event("acme", "c1", CallEventType.ENDED, "t1");
        RoutingVerdict freed = call("beta", "c4");
        assertThat(trunkIds(freed)).containsExactly("t1");
        assertThat(freed.getQ850Cause()).isNull();
        assertThat(loads.readValuesToList()).extracting(TrunkLoad::getTrunkId, TrunkLoad::getLiveCalls)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("t1", 1), org.assertj.core.groups.Tuple.tuple("t2", 1),
                        org.assertj.core.groups.Tuple.tuple("t1", 0), org.assertj.core.groups.Tuple.tuple("t1", 1));
    }

    @Test
    void shouldMoveACallToTheTrunkTheEdgeFailedOverTo() {
        assertThat(trunkIds(call("acme", "c1"))).containsExactly("t1", "t2");
        d.event("acme", "c1", CallEventType.ANSWERED, "t2"); // t1 refused it, t2 answered
        assertThat(trunkIds(call("beta", "c2"))).containsExactly("t1");
        d.event("beta", "c2", CallEventType.FAILED, "t1");
        d.event("acme", "c1", CallEventType.INTERIM, "t2");
        assertThat(trunkIds(call("beta", "c3"))).as("an interim changes nothing").containsExactly("t1");
    }

    @Test
    void shouldCountACallReportedOnALimitedTrunkThatTheRouterDidNotPutThere() {
        d.event("acme", "x1", CallEventType.RINGING, "t1"); // a no-answer target, or an edge's failover
        assertThat(trunkIds(call("beta", "c1"))).containsExactly("t2");
        d.event("acme", "x1", CallEventType.ANSWERED, "t1");
        d.event("acme", "x1", CallEventType.ENDED, "t1");
        assertThat(trunkIds(call("beta", "c2"))).as("c1 holds t2").containsExactly("t1");
    }

    @Test
    void shouldForgetACallWhoseEndWasLostAfterThePendingAge() {
        assertThat(trunkIds(call("acme", "c1"))).containsExactly("t1", "t2");
        d.driver.advanceWallClockTime(Duration.ofMinutes(6)); // past the pending age, and a sweep
        assertThat(trunkIds(call("beta", "c2"))).containsExactly("t1", "t2");
        assertThat(d.driver.getKeyValueStore(RouterTopology.TRUNK_SEATS_STORE).approximateNumEntries()).isEqualTo(1); // c2
    }

    @Test
    void shouldKeepAnAnsweredCallPastThePendingAge() {
        assertThat(trunkIds(call("acme", "c1"))).containsExactly("t1", "t2");
        d.event("acme", "c1", CallEventType.ANSWERED, "t1");
        d.driver.advanceWallClockTime(Duration.ofMinutes(6));
        assertThat(trunkIds(call("beta", "c2"))).containsExactly("t2");
    }

    @Test
    void shouldRefuseAForwardOverAFullTrunkWithCause34() {
        d.put(account("bob").setNumbers(List.of("+15551230009")).setForwardTarget("+15559990000"));
        d.assign("+15551230009", "bob");
        assertThat(trunkIds(call("acme", "c1"))).containsExactly("t1", "t2"); // bob's outbound trunk t1 is full now
        RoutingVerdict forward = d.decide(d.inbound("+15551230009", "+15550000001"));
        assertThat(forward.getAction()).isEqualTo(VerdictAction.REJECT);
        assertThat(forward.getSipStatus()).isEqualTo(503);
        assertThat(forward.getQ850Cause()).isEqualTo(34);
        assertThat(forward.getReason()).contains("trunk t1 is full");
    }

    @Test
    void shouldSkipAnUnreadableEventOfAnUnlimitedAccountWhileATrunkHasALimit() {
        // read for the trunks' count only: billing, which reads the same record, dead-letters it
        d.rawEvents().pipeInput("acme", "not avro".getBytes(StandardCharsets.UTF_8));
        assertThat(d.deadLetters.isEmpty()).isTrue();
        assertThat(trunkIds(call("acme", "c1"))).containsExactly("t1", "t2");
    }

    @Test
    void shouldCountNothingForTrunksWithoutALimit() {
        d.put(trunk("t1"));
        d.put(trunk("t2"));
        var seats = d.driver.createOutputTopic("router-test-" + RouterTopology.TRUNK_SEATS_STORE + "-changelog",
                new StringDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer());
        for (int i = 0; i < 3; i++) {
            assertThat(trunkIds(call("acme", "c" + i))).containsExactly("t1", "t2");
            d.event("acme", "c" + i, CallEventType.ANSWERED, "t1");
        }
        assertThat(seats.isEmpty()).isTrue();
        assertThat(loads.isEmpty()).isTrue();
    }
}
