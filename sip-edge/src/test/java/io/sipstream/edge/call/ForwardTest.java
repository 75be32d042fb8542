package io.sipstream.edge.call;

import static io.sipstream.edge.support.FakeRouter.registered;
import static io.sipstream.edge.support.FakeRouter.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.TargetKind;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.SharedEdge;
import io.sipstream.edge.support.TestUserAgent;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import javax.sip.message.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A received call the owner's phones do not take goes to the account's forward for why: busy, unavailable (no phone
 * registered, or 480), failure, and the leg carries Diversion (RFC 5806) naming the dialled number and the reason.
 */
@ExtendWith(SharedEdge.class)
class ForwardTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String DIALLED = "+15550004000";
    private final SharedEdge.Shared shared;
    private final EdgeFixture edge;
    private TestUserAgent carrier;
    private TestUserAgent phone;
    private TestUserAgent voicemail;

    ForwardTest(SharedEdge.Shared shared) {
        this.shared = shared;
        this.edge = shared.edge();
    }

    @BeforeEach
    void peers() throws Exception {
        carrier = TestUserAgent.start("carrier");
        phone = TestUserAgent.start("phone");
        voicemail = TestUserAgent.start("voicemail");
        edge.publishTrunk(EdgeFixture.trunk("fwd-in", carrier.port()).setAllowedCidrs(List.of("127.0.0.1/32:" + carrier.port())).build());
        shared.router().clear();
    }

    @AfterEach
    void close() {
        carrier.close();
        phone.close();
        voicemail.close();
    }

    /** The verdict the router gives an owner with forwards: its phones, and voicemail boxes for each cause. */
    private void routeTo(String owner, Function<RoutingVerdict.Builder, RoutingVerdict.Builder> forwards) {
        shared.router().policy(a -> forwards.apply(route(a, registered(owner)).setAccountId(owner).setDestination(DIALLED)).build());
    }

    private RouteTarget box(String name, String reason) {
        return RouteTarget.newBuilder().setKind(TargetKind.URI).setRequestUri("sip:" + name + "@127.0.0.1:" + voicemail.port())
                .setDiversionReason(reason).build();
    }

    @Test
    void shouldForwardABusyCallToTheBusyTargetWithDiversionUserBusy() throws Exception {
        edge.account("fw-busy", "pw-fw-busy", true);
        phone.onInvite(c -> c.respond(486));
        assertThat(phone.register(edge.uri("fw-busy"), "fw-busy", "pw-fw-busy", 300, null).getStatusCode()).isEqualTo(200);
        routeTo("fw-busy", v -> v.setBusyTargets(List.of(box("vm-busy", "user-busy")))
                .setUnavailableTargets(List.of(box("vm-unavailable", "unavailable"))));

        var call = carrier.call(edge.uri(DIALLED), "+15559990000", null);
        assertThat(call.awaitFinal(WAIT).getStatusCode()).as("voicemail answers").isEqualTo(200);
        assertThat(phone.awaitIncoming(WAIT)).isNotNull();
        Request atVoicemail = voicemail.awaitRequest(Request.INVITE, WAIT);
        assertThat(atVoicemail.getRequestURI().toString()).contains("vm-busy");
        assertThat(atVoicemail.getHeader("Diversion").toString())
                .contains("<sip:" + DIALLED + "@127.0.0.1>", "reason=user-busy", "counter=1");
        call.bye();
        assertThat(voicemail.receivedWithin(Request.BYE, null, WAIT)).isTrue();
    }

    @Test
    void shouldForwardToTheUnavailableTargetWhenNoPhoneIsRegistered() throws Exception {
        edge.account("fw-away", "pw-fw-away", true); // no REGISTER
        routeTo("fw-away", v -> v.setBusyTargets(List.of(box("vm-busy", "user-busy")))
                .setUnavailableTargets(List.of(box("vm-unavailable", "unavailable"))));

        var call = carrier.call(edge.uri(DIALLED), "+15559990000", null);
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        Request atVoicemail = voicemail.awaitRequest(Request.INVITE, WAIT);
        assertThat(atVoicemail.getRequestURI().toString()).contains("vm-unavailable");
        assertThat(atVoicemail.getHeader("Diversion").toString()).contains("<sip:" + DIALLED + "@127.0.0.1>", "reason=unavailable");
        call.bye();
    }

    @Test
    void shouldForwardToTheUnavailableTargetWhenThePhoneAnswers480() throws Exception {
        edge.account("fw-480", "pw-fw-480", true);
        phone.onInvite(c -> c.respond(480));
        assertThat(phone.register(edge.uri("fw-480"), "fw-480", "pw-fw-480", 300, null).getStatusCode()).isEqualTo(200);
        routeTo("fw-480", v -> v.setUnavailableTargets(List.of(box("vm-unavailable", "unavailable")))
                .setFailureTargets(List.of(box("vm-failure", "unavailable"))));

        var call = carrier.call(edge.uri(DIALLED), "+15559990000", null);
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        assertThat(voicemail.awaitRequest(Request.INVITE, WAIT).getRequestURI().toString()).contains("vm-unavailable");
        call.bye();
    }

    @Test
    void shouldForwardAFailedCallToTheFailureTarget() throws Exception {
        edge.account("fw-fail", "pw-fw-fail", true);
        phone.onInvite(c -> c.respond(503));
        assertThat(phone.register(edge.uri("fw-fail"), "fw-fail", "pw-fw-fail", 300, null).getStatusCode()).isEqualTo(200);
        routeTo("fw-fail", v -> v.setBusyTargets(List.of(box("vm-busy", "user-busy")))
                .setFailureTargets(List.of(box("vm-failure", "unavailable"))));

        var call = carrier.call(edge.uri(DIALLED), "+15559990000", null);
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        assertThat(voicemail.awaitRequest(Request.INVITE, WAIT).getRequestURI().toString()).contains("vm-failure");
        call.bye();
    }

    @Test
    void shouldAnswerTheCallerBusyWhenTheAccountHasNoBusyTarget() throws Exception {
        edge.account("fw-none", "pw-fw-none", true);
        phone.onInvite(c -> c.respond(486));
        assertThat(phone.register(edge.uri("fw-none"), "fw-none", "pw-fw-none", 300, null).getStatusCode()).isEqualTo(200);
        routeTo("fw-none", v -> v.setUnavailableTargets(List.of(box("vm-unavailable", "unavailable"))));

        var call = carrier.call(edge.uri(DIALLED), "+15559990000", null);
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(486);
        assertThat(voicemail.receivedWithin(Request.INVITE, null, Duration.ofMillis(500))).isFalse();
    }

    @Test
    void shouldNotForwardTwice() throws Exception {
        edge.account("fw-twice", "pw-fw-twice", true);
        phone.onInvite(c -> c.respond(486));
        voicemail.onInvite(c -> c.respond(486)); // the box is busy too
        assertThat(phone.register(edge.uri("fw-twice"), "fw-twice", "pw-fw-twice", 300, null).getStatusCode()).isEqualTo(200);
        routeTo("fw-twice", v -> v.setBusyTargets(List.of(box("vm-busy", "user-busy"))));

        var call = carrier.call(edge.uri(DIALLED), "+15559990000", null);
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(486);
        assertThat(voicemail.requests().stream().filter(r -> r.getMethod().equals(Request.INVITE)).count()).isEqualTo(1);
    }

    @Test
    void shouldSendDiversionUnconditionalOnAForwardAndNoneToTheOwnersPhones() throws Exception {
        edge.account("fw-all", "pw-fw-all", true);
        assertThat(phone.register(edge.uri("fw-all"), "fw-all", "pw-fw-all", 300, null).getStatusCode()).isEqualTo(200);
        shared.router().policy(a -> route(a, box("desk", "unconditional")).setAccountId("fw-all").setDestination(DIALLED).build());
        var forwarded = carrier.call(edge.uri(DIALLED), "+15559990000", null);
        assertThat(forwarded.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        assertThat(voicemail.awaitRequest(Request.INVITE, WAIT).getHeader("Diversion").toString()).contains("reason=unconditional");
        forwarded.bye();

        routeTo("fw-all", v -> v);
        var direct = carrier.call(edge.uri(DIALLED), "+15559990000", null);
        assertThat(direct.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        assertThat(phone.awaitRequest(Request.INVITE, WAIT).getHeader("Diversion")).as("the owner's own phone").isNull();
        direct.bye();
    }
}
