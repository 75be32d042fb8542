package io.sipstream.router.topology;

import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.VerdictAction;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RouterTopologySmokeTest {
    @Test
    void smoke() {
        try (RouterDriver d = new RouterDriver()) {
            d.put(RouterDriver.trunk("t1"));
            d.put(RouterDriver.account("acme"));
            RoutingVerdict v = d.decide(d.outbound("acme", "+15551234567").setReplyPartition(0));
            System.out.println(v);
            assertThat(v.getAction()).isEqualTo(VerdictAction.ROUTE);
        }
    }
}
