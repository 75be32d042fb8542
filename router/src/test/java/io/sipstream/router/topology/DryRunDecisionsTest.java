package io.sipstream.router.topology;

import static io.sipstream.router.topology.RouterDriver.account;
import static io.sipstream.router.topology.RouterDriver.rateRow;
import static io.sipstream.router.topology.RouterDriver.trunk;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.VerdictAction;
import io.sipstream.router.dryrun.DryRunDecisions;
import java.time.Clock;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dry-run decision reads the topology's own stores (here the driver's, in the service the running
 * streams' by interactive queries) and decides as the topology does, without a verdict on the topic.
 */
class DryRunDecisionsTest {
    private RouterDriver d;
    private DryRunDecisions dryRun;

    @BeforeEach
    void setUp() {
        d = new RouterDriver();
        dryRun = new DryRunDecisions(d.driver::getTimestampedKeyValueStore,
                () -> d.driver.getKeyValueStore(RouterTopology.RESERVATIONS_STORE), () -> "test",
                RouterOptions.defaults(d.serdes), Clock.fixed(RouterDriver.START, ZoneOffset.UTC));
        d.put(trunk("t1").setHost("198.51.100.1"));
    }

    @AfterEach
    void tearDown() { d.close(); }

    @Test
    void shouldRouteAsTheTopologyWouldWithoutWritingAVerdict() {
        d.put(account("acme"));
        RoutingVerdict dry = dryRun.decide("acme", "(555) 123-4567", null);
        RoutingVerdict real = d.decide(d.outbound("acme", "(555) 123-4567"));

        assertThat(dry.getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(dry.getDestination()).isEqualTo("+15551234567").isEqualTo(real.getDestination());
        assertThat(dry.getTargets().stream().map(RouteTarget::getTrunkId).toList()).containsExactly("t1");
        assertThat(dry.getCallerId()).isEqualTo(real.getCallerId());
        assertThat(d.verdicts.isEmpty()).isTrue(); // the real decision's verdict was read; the dry run wrote none
    }

    @Test
    void shouldGiveTheRefusalAndItsReasonForADisabledAccountAndAnUnratedDestination() {
        d.put(account("off").setEnabled(false));
        assertThat(dryRun.decide("off", "+15551234567", null).getSipStatus()).isEqualTo(403);
        assertThat(dryRun.decide("nobody", "+15551234567", null).getReason()).contains("unknown or disabled");

        d.put(account("strict").setAllowUnratedCalls(false));
        d.put(rateRow("default", "1", "0.01"));
        assertThat(dryRun.decide("strict", "+15551234567", null).getAction()).isEqualTo(VerdictAction.ROUTE);
        RoutingVerdict unrated = dryRun.decide("strict", "+442079460018", null);
        assertThat(unrated.getAction()).isEqualTo(VerdictAction.REJECT);
        assertThat(unrated.getReason()).contains("not rated");
    }
}
