package io.sipstream.edge.call;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallEventType;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.SharedEdge;
import io.sipstream.edge.support.TestUserAgent;
import java.time.Duration;
import javax.sip.message.Request;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A caller behind NAT: its INVITE's Contact names a private address nobody can reach. The edge's own requests in the
 * caller's dialog go where the INVITE came from (received/rport), as they do for a registered phone.
 */
@ExtendWith(SharedEdge.class)
class CallerBehindNatTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final SharedEdge.Shared shared;
    private final EdgeFixture edge;
    private TestUserAgent phone;
    private TestUserAgent carrier;

    CallerBehindNatTest(SharedEdge.Shared shared) {
        this.shared = shared;
        this.edge = shared.edge();
    }

    @BeforeEach
    void peers() throws Exception {
        phone = TestUserAgent.start("natted-phone").advertise("sip:nat-caller@10.255.255.1:5060");
        carrier = TestUserAgent.start("nat-carrier");
        edge.publishTrunk(EdgeFixture.trunk("nat-out", carrier.port()).build());
        shared.router().clear();
        shared.router().policy(a -> route(a, trunk("nat-out", "sip:+15557654321@127.0.0.1:" + carrier.port(), "+15551230001")).build());
    }

    @AfterEach
    void close() {
        phone.close();
        carrier.close();
    }

    @Test
    void shouldSendTheEdgesByeOnTheCallerLegToTheCallersRealSocket() throws Exception {
        edge.account("natcaller", "pw-natcaller", true);
        var call = phone.call(edge.uri("+15557654321"), "natcaller", "pw-natcaller");
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        assertThat(call.request().getHeader("Contact").toString()).contains("10.255.255.1");
        shared.events().await(call.callId(), CallEventType.ANSWERED, WAIT);
        assertThat(edge.edge.natPinnedCalls()).as("the caller's leg is pinned").isPositive();

        edge.block("natcaller", true, 402); // billing cuts the call off: the edge hangs up both legs
        assertThat(phone.receivedWithin(Request.BYE, call.callId(), WAIT)).as("the BYE found the phone behind its NAT").isTrue();
        assertThat(carrier.receivedWithin(Request.BYE, null, WAIT)).isTrue();
        Request bye = phone.awaitRequest(Request.BYE, WAIT);
        assertThat(bye.getRequestURI().toString()).as("the Contact stays the request-URI").contains("10.255.255.1");
        Awaitility.await().atMost(WAIT).until(() -> edge.edge.natPinnedCalls() == 0);
        edge.block("natcaller", false, 402);
    }

    @Test
    void shouldNotPinACallerReachableAtItsContact() throws Exception {
        phone.advertise(null);
        edge.account("plaincaller", "pw-plaincaller", true);
        var call = phone.call(edge.uri("+15557654321"), "plaincaller", "pw-plaincaller");
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        shared.events().await(call.callId(), CallEventType.ANSWERED, WAIT);
        assertThat(edge.edge.natPinnedCalls()).isZero();
        call.bye();
        assertThat(carrier.receivedWithin(Request.BYE, null, WAIT)).isTrue();
    }
}
