package io.sipstream.router.topology;

import io.sipstream.avro.DestinationPattern;
import io.sipstream.avro.DestinationType;
import io.sipstream.avro.DialPlanRule;
import io.sipstream.avro.DialPlanRuleType;
import io.sipstream.avro.Route;
import io.sipstream.avro.RouteStrategy;
import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.RouteTrunk;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.TimeWindow;
import io.sipstream.avro.VerdictAction;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.sipstream.router.topology.RouterDriver.account;
import static io.sipstream.router.topology.RouterDriver.trunk;
import static org.assertj.core.api.Assertions.assertThat;

/** The shared route table, trunk destinations, DID bindings and least-cost routes, through the whole topology. */
class SharedRoutesTest {
    private RouterDriver d;

    @BeforeEach
    void setUp() {
        d = new RouterDriver();
        for (String t : List.of("t1", "t2", "t3", "t4")) d.put(trunk(t));
        d.put(account("shared").setOutboundTrunk(null)); // no trunk of its own: the table serves it
    }

    @AfterEach
    void tearDown() { d.close(); }

    private static DestinationPattern prefix(String digits) { return new DestinationPattern(DestinationType.PREFIX, digits); }

    private static DestinationPattern regex(String regex) { return new DestinationPattern(DestinationType.REGEX, regex); }

    private static Route.Builder route(String id, DestinationPattern destination, String... trunks) {
        return Route.newBuilder().setRouteId(id).setDestination(destination)
                .setTrunks(Arrays.stream(trunks).map(t -> new RouteTrunk(t, 1)).toList());
    }

    private static List<String> trunkIds(RoutingVerdict v) {
        return v.getTargets().stream().map(RouteTarget::getTrunkId).toList();
    }

    private RoutingVerdict call(String accountId, String dialled) { return d.decide(d.outbound(accountId, dialled)); }

    @Test
    void shouldChooseTheRouteOfTheLongestPrefixThenTheLowestPriority() {
        d.put(route("uk", prefix("44"), "t1"));
        d.put(route("london-b", prefix("4420"), "t2").setPriority(5));
        d.put(route("london-a", prefix("4420"), "t3").setPriority(1));
        d.put(route("any-uk", regex("\\+44\\d+"), "t4"));
        d.put(route("france", regex("\\+33\\d+"), "t4"));

        assertThat(trunkIds(call("shared", "+442079460018"))).containsExactly("t3");
        assertThat(trunkIds(call("shared", "+447700900123"))).as("a regex ranks below every prefix").containsExactly("t1");
        assertThat(trunkIds(call("shared", "+33140000000"))).containsExactly("t4");
        RoutingVerdict none = call("shared", "+4915112345678");
        assertThat(none.getAction()).isEqualTo(VerdictAction.REJECT);
        assertThat(none.getSipStatus()).isEqualTo(503);
        assertThat(none.getReason()).contains("no route of the table serves it");
    }

    @Test
    void shouldFallToTheNextRouteWhenNoTrunkOfTheChosenOneCanTakeTheCall() {
        d.put(route("london", prefix("4420"), "t3"));
        d.put(route("uk", prefix("44"), "t1"));
        d.put(trunk("t3").setEnabled(false));
        assertThat(trunkIds(call("shared", "+442079460018"))).containsExactly("t1");
        d.put(route("uk", prefix("44"), "t1").setEnabled(false));
        RoutingVerdict refused = call("shared", "+442079460018");
        assertThat(refused.getSipStatus()).isEqualTo(503);
        assertThat(refused.getReason()).contains("route london (trunk t3 is disabled)");
    }

    @Test
    void shouldDrawWeightedTrunksByTheirSharesAndKeepTheRestForFailover() {
        d.put(route("uk", prefix("44"), "t1", "t2").setStrategy(RouteStrategy.WEIGHTED)
                .setTrunks(List.of(new RouteTrunk("t1", 3), new RouteTrunk("t2", 1))));
        Map<String, Integer> first = new HashMap<>();
        int calls = 800;
        for (int i = 0; i < calls; i++) {
            List<String> order = trunkIds(call("shared", "+442079460018"));
            assertThat(order).containsExactlyInAnyOrder("t1", "t2");
            first.merge(order.getFirst(), 1, Integer::sum);
        }
        // 3 to 1: t1 first for 600 of 800 calls expected; the bounds are over 6 standard deviations wide
        assertThat(first.get("t1")).isBetween(525, 675);
        assertThat(first.get("t2")).isEqualTo(calls - first.get("t1"));

        // the draw is seeded by the call: the same call asked about again gets the same order
        RoutingVerdict once = d.decide(d.outbound("shared", "+442079460018").setCallId("same-call"));
        for (int i = 0; i < 5; i++) {
            assertThat(trunkIds(d.decide(d.outbound("shared", "+442079460018").setCallId("same-call")))).isEqualTo(trunkIds(once));
        }
    }

    @Test
    void shouldServeATimeOfDayRouteOnlyWithinItsWindow() {
        // the driver starts on Monday 2026-01-05 10:00 UTC, 10:00 in London
        d.put(route("uk-office", prefix("44"), "t1")
                .setTimeOfDay(new TimeWindow(List.of("mon", "tue", "wed", "thu", "fri"), "08:00", "18:00", "Europe/London")));
        d.put(route("uk-night", prefix("44"), "t2").setPriority(10));
        assertThat(trunkIds(call("shared", "+442079460018"))).containsExactly("t1");

        d.driver.advanceWallClockTime(Duration.ofHours(8)); // 18:00: the window's end is excluded
        assertThat(trunkIds(call("shared", "+442079460018"))).containsExactly("t2");

        d.driver.advanceWallClockTime(Duration.ofHours(4 * 24 + 14)); // Saturday 08:00
        assertThat(trunkIds(call("shared", "+442079460018"))).as("not on its days").containsExactly("t2");
    }

    @Test
    void shouldRouteByTheRouteADialPlanRuleNames() {
        d.put(route("intl", prefix("44"), "t4"));
        d.put(account("acme").setDialPlan(List.of(
                DialPlanRule.newBuilder().setType(DialPlanRuleType.PREFIX).setPattern("011.").setStrip(3).setPrepend("+")
                        .setRoute("intl").build(),
                DialPlanRule.newBuilder().setType(DialPlanRuleType.PREFIX).setPattern("9.").setStrip(1).setPrepend("+")
                        .setRoute("missing").build())));
        assertThat(trunkIds(call("acme", "011442079460018"))).as("the rule's route wins over the account's t1").containsExactly("t4");
        RoutingVerdict unknown = call("acme", "9442079460018");
        assertThat(unknown.getSipStatus()).isEqualTo(503);
        assertThat(unknown.getReason()).contains("route missing is unknown");
    }

    @Test
    void shouldPreferTheAccountsOwnTrunkOverTheSharedTable() {
        d.put(route("uk", prefix("44"), "t2"));
        d.put(account("own")); // outbound trunk t1
        assertThat(trunkIds(call("own", "+442079460018"))).containsExactly("t1");
        assertThat(trunkIds(call("shared", "+442079460018"))).containsExactly("t2");
    }

    @Test
    void shouldSkipTrunksThatDoNotCarryTheDestination() {
        d.put(trunk("t2").setDestinations(List.of(prefix("1"))));
        d.put(trunk("t3").setDestinations(List.of(regex("\\+44(20|121)\\d+"))));
        d.put(route("uk", prefix("44"), "t2", "t3", "t1"));
        assertThat(trunkIds(call("shared", "+442079460018"))).containsExactly("t3", "t1");
        assertThat(trunkIds(call("shared", "+447700900123"))).containsExactly("t1");

        d.put(account("own").setOutboundTrunk("t2"));
        RoutingVerdict refused = call("own", "+442079460018");
        assertThat(refused.getSipStatus()).isEqualTo(503);
        assertThat(refused.getReason()).contains("trunk t2 does not carry +442079460018");
        assertThat(trunkIds(call("own", "+15557654321"))).containsExactly("t2");
    }

    @Test
    void shouldOrderALeastCostRouteByTheCarriersDecksAndSkipTrunksWithoutARate() {
        d.put(trunk("t1").setRateDeckId("carrier-1"));
        d.put(trunk("t2").setRateDeckId("carrier-2"));
        d.put(trunk("t3")); // no deck
        d.put(trunk("t4").setRateDeckId("carrier-4")); // a deck without the destination
        d.rate("carrier-1", "44", "0.0100");
        d.rate("carrier-2", "44", "0.0040");
        d.rate("carrier-2", "4420", "0.0200");
        d.rate("carrier-4", "1", "0.0010");
        d.put(route("uk", prefix("44"), "t3", "t4", "t1", "t2").setStrategy(RouteStrategy.LCR));

        assertThat(trunkIds(call("shared", "+447700900123"))).containsExactly("t2", "t1");
        assertThat(trunkIds(call("shared", "+442079460018"))).as("carrier 2's longer prefix costs more").containsExactly("t1", "t2");

        d.put(route("us", prefix("1"), "t3").setStrategy(RouteStrategy.LCR));
        RoutingVerdict unpriced = call("shared", "+15557654321");
        assertThat(unpriced.getSipStatus()).isEqualTo(503);
        assertThat(unpriced.getReason()).contains("trunk t3 has no rate deck");
    }

    @Test
    void shouldTakeABoundNumbersCallsOnlyFromItsTrunk() {
        d.put(account("owner").setNumbers(List.of("+15551230001")));
        d.assign("+15551230001", "owner");
        d.bind("+15551230001", "t2");

        RoutingVerdict wrongTrunk = d.decide(d.inbound("+15551230001", "+15557654321").setSourceTrunkId("t1"));
        assertThat(wrongTrunk.getAction()).isEqualTo(VerdictAction.REJECT);
        assertThat(wrongTrunk.getSipStatus()).isEqualTo(404);
        assertThat(wrongTrunk.getReason()).contains("bound to trunk t2, not to trunk t1");

        RoutingVerdict bound = d.decide(d.inbound("+15551230001", "+15557654321").setSourceTrunkId("t2"));
        assertThat(bound.getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(bound.getAccountId()).isEqualTo("owner");

        d.bind("+15551230001", "t1"); // the number moved to carrier t1: one change
        assertThat(d.decide(d.inbound("+15551230001", "+15557654321").setSourceTrunkId("t1")).getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(d.decide(d.inbound("+15551230001", "+15557654321").setSourceTrunkId("t2")).getSipStatus()).isEqualTo(404);
    }
}
