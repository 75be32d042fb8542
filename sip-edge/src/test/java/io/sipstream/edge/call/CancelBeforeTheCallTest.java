package io.sipstream.edge.call;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.HangupParty;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.SharedEdge;
import io.sipstream.edge.support.TestUserAgent;
import java.time.Duration;
import java.util.Map;
import javax.sip.message.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Protocol;

/**
 * A CANCEL that arrives before the call reaches a trunk, while the edge authenticates the INVITE
 * or waits for the router: 200 to the CANCEL, 487 to the INVITE, and the call is never routed,
 * whatever the router says later.
 */
@ExtendWith(SharedEdge.class)
class CancelBeforeTheCallTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final SharedEdge.Shared shared;
    private final EdgeFixture edge;
    private TestUserAgent phone;
    private TestUserAgent carrier;

    CancelBeforeTheCallTest(SharedEdge.Shared shared) {
        this.shared = shared;
        this.edge = shared.edge();
    }

    @BeforeEach
    void peers() throws Exception {
        phone = TestUserAgent.start("phone");
        carrier = TestUserAgent.start("carrier");
        edge.publishTrunk(EdgeFixture.trunk("cancel-t1", carrier.port()).build());
        shared.router().clear();
    }

    @AfterEach
    void close() {
        shared.router().policy(a -> null);
        phone.close();
        carrier.close();
    }

    private io.sipstream.avro.RoutingVerdict toCarrier(CallAttempt a) {
        return route(a, trunk("cancel-t1", "sip:+15557654321@127.0.0.1:" + carrier.port(), "+15551230001")).build();
    }

    /** A call that completes proves the edge has read every verdict published before its own (one partition, in order). */
    private void completeAnotherCall(String account, String password) throws Exception {
        shared.router().policy(this::toCarrier);
        var next = phone.call(edge.uri("+15557654321"), account, password);
        assertThat(next.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        next.bye();
    }

    @Test
    void shouldNeverRouteACallCancelledWhileItWaitsForItsVerdict() throws Exception {
        edge.account("cv-ann", "pw-ann", true);
        shared.router().policy(a -> null); // the router answers late: after the CANCEL
        var call = phone.call(edge.uri("+15557654321"), "cv-ann", "pw-ann");
        CallAttempt attempt = shared.router().awaitAttempt(call.callId(), WAIT);

        call.cancel();
        assertThat(call.awaitCancelAnswer(WAIT)).isEqualTo(200);
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(487);
        shared.router().answer(toCarrier(attempt));
        completeAnotherCall("cv-ann", "pw-ann");

        assertThat(carrier.requests().stream().filter(r -> r.getMethod().equals(Request.INVITE)).count())
                .as("only the second call reached the carrier").isEqualTo(1);
        var failed = shared.events().await(call.callId(), CallEventType.FAILED, WAIT);
        assertThat(failed.getSipStatus()).isEqualTo(487);
        assertThat(failed.getHangupBy()).isEqualTo(HangupParty.CALLER); // billing's CANCELLED
        assertThat(failed.getAccountId()).isEqualTo("cv-ann");
        assertThat(failed.getStartedAt()).isNotNull();
        assertThat(shared.events().typesOf(call.callId())).as("cancelled before its verdict: reported, as one FAILED")
                .containsExactly(CallEventType.FAILED);
    }

    @Test
    void shouldCancelAnInviteWhileItIsBeingAuthenticated() throws Exception {
        edge.account("cv-ben", "pw-ben", true);
        shared.router().policy(this::toCarrier); // a router that would route it at once
        // Redis stalls while the edge checks the credentials: the CANCEL arrives in the middle of it
        var call = phone.call(edge.uri("+15557654321"), "cv-ben", "pw-ben", Map.of(), c -> c.beforeAuthenticatedRetry(
                () -> edge.redis.sendCommand(Protocol.Command.CLIENT, "PAUSE", "1000")));
        call.awaitStatus(100, 2, WAIT);

        call.cancel();
        assertThat(call.awaitCancelAnswer(WAIT)).isEqualTo(200);
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(487);
        edge.redis.ping(); // answered once the pause is over; the edge itself gives up on a command after 500 ms
        completeAnotherCall("cv-ben", "pw-ben"); // after the pause: the cancelled INVITE's authentication has finished too

        assertThat(shared.router().attemptsOf(call.callId())).as("the router is never asked").isEmpty();
        assertThat(carrier.requests().stream().filter(r -> r.getMethod().equals(Request.INVITE)).count()).isEqualTo(1);
        assertThat(shared.events().typesOf(call.callId())).isEmpty();
    }
}
