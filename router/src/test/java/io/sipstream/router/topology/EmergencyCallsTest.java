package io.sipstream.router.topology;

import io.sipstream.avro.DialPlanRule;
import io.sipstream.avro.DialPlanRuleType;
import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.VerdictAction;
import io.sipstream.router.numbers.EmergencyNumbers;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.sipstream.router.topology.RouterDriver.account;
import static io.sipstream.router.topology.RouterDriver.trunk;
import static org.assertj.core.api.Assertions.assertThat;

/** Emergency numbers are routed whatever would refuse any other call, to the emergency trunk, with the call-back number. */
class EmergencyCallsTest {
    private RouterDriver d;

    @BeforeEach
    void setUp() {
        d = new RouterDriver(o -> o.withEmergency(EmergencyNumbers.forRegion("US"), "t-psap"));
        d.put(trunk("t1"));
        d.put(trunk("t-psap"));
        d.put(trunk("t-own"));
    }

    @AfterEach
    void tearDown() { d.close(); }

    private static List<String> trunkIds(RoutingVerdict v) { return v.getTargets().stream().map(RouteTarget::getTrunkId).toList(); }

    @Test
    void shouldRouteABlockedPrepaidAccountAtZeroBalanceDiallingItsEmergencyNumber() {
        d.put(account("acme").setPrepaid(true).setAllowUnratedCalls(false));
        d.block("acme", true, true, "0.000000", "0");
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getAction()).isEqualTo(VerdictAction.REJECT);

        RoutingVerdict v = d.decide(d.outbound("acme", "911"));
        assertThat(v.getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(v.getEmergency()).isTrue();
        assertThat(v.getDestination()).isEqualTo("911");
        assertThat(v.getCallerId()).isEqualTo("+15551230001");
        assertThat(v.getMaxDurationSeconds()).isNull();
        assertThat(trunkIds(v)).containsExactly("t-psap", "t1"); // the operator's emergency trunk, then the outbound trunk
        assertThat(v.getTargets().getFirst().getRequestUri()).startsWith("sip:911@");
        assertThat(v.getTargets().getFirst().getFromUser()).isEqualTo("+15551230001");
    }

    @Test
    void shouldRouteEvenWhenTheDialPlanBarsEverything() {
        d.put(account("acme").setDialPlan(List.of(
                DialPlanRule.newBuilder().setType(DialPlanRuleType.REGEX).setPattern(".*").setRejectStatus(403).build())));
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getSipStatus()).isEqualTo(403);
        RoutingVerdict v = d.decide(d.outbound("acme", "sip:933@sipstream.local"));
        assertThat(v.getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(v.getEmergency()).isTrue();
        assertThat(v.getDestination()).isEqualTo("933");
    }

    @Test
    void shouldNotCountEmergencyCallsAgainstTheLimitsNorBeRefusedByThem() {
        d.put(account("acme").setMaxConcurrentCalls(1).setMaxCallsPerSecond(1));
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(d.decide(d.outbound("acme", "+15551234568")).getAction()).isEqualTo(VerdictAction.REJECT);
        for (int i = 0; i < 3; i++) {
            RoutingVerdict v = d.decide(d.outbound("acme", "911"));
            assertThat(v.getAction()).as("emergency call %d", i).isEqualTo(VerdictAction.ROUTE);
        }
    }

    @Test
    void shouldPreferTheAccountsEmergencyTrunkAndPresentItsOwnNumberNotTheAsserted() {
        d.put(account("acme").setEmergencyTrunk("t-own"));
        RoutingVerdict v = d.decide(d.outbound("acme", "911").setAssertedIdentity("+15559999999"));
        assertThat(trunkIds(v)).containsExactly("t-own", "t-psap", "t1");
        assertThat(v.getCallerId()).isEqualTo("+15551230001");
    }

    @Test
    void shouldKnowTheEmergencyNumbersOfTheAccountsRegionToo() {
        d.put(account("uk").setRegion("GB"));
        assertThat(d.decide(d.outbound("uk", "999")).getEmergency()).isTrue();
        d.put(account("acme"));
        assertThat(d.decide(d.outbound("acme", "112")).getEmergency()).isFalse(); // not a US number, not the operator's
    }

    @Test
    void shouldRefuseWithServiceUnavailableWhenTheAccountHasNoRouteAtAll() {
        try (RouterDriver bare = new RouterDriver()) {
            bare.put(account("acme").setOutboundTrunk("gone"));
            RoutingVerdict v = bare.decide(bare.outbound("acme", "911"));
            assertThat(v.getAction()).isEqualTo(VerdictAction.REJECT);
            assertThat(v.getSipStatus()).isEqualTo(503);
            assertThat(v.getReason()).contains("no emergency route");
        }
    }

    @Test
    void shouldRouteOrdinaryShortCodesAsBefore() {
        d.put(account("acme"));
        RoutingVerdict v = d.decide(d.outbound("acme", "+15551234567"));
        assertThat(v.getEmergency()).isFalse();
        assertThat(trunkIds(v)).containsExactly("t1");
    }
}
