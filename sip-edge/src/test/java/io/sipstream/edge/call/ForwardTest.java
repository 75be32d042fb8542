package io.sipstream.edge.call;

import static io.sipstream.edge.support.FakeRouter.registered;
import static io.sipstream.edge.support.FakeRouter.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.DiversionHeader;
import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.TargetKind;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.FakeRouter;
import io.sipstream.edge.support.SharedEdge;
import io.sipstream.edge.support.TestUserAgent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

    @Test
    void shouldPassTheCallersDiversionAndHistoryInfoOnAndAppendItsOwnInTheFormTheTrunkReads() throws Exception {
        edge.publishTrunk(EdgeFixture.trunk("vm-both", voicemail.port()).setDiversionHeader(DiversionHeader.BOTH).build());
        edge.account("fw-hist", "pw-fw-hist", true);
        phone.onInvite(c -> c.respond(486));
        assertThat(phone.register(edge.uri("fw-hist"), "fw-hist", "pw-fw-hist", 300, null).getStatusCode()).isEqualTo(200);
        RouteTarget overTrunk = RouteTarget.newBuilder(FakeRouter.trunk("vm-both", "sip:vm-busy@127.0.0.1:" + voicemail.port(), null))
                .setDiversionReason("user-busy").build();
        routeTo("fw-hist", v -> v.setBusyTargets(List.of(overTrunk)));

        // the carrier forwarded the call once already: its Diversion and its History-Info come with the INVITE
        var call = carrier.call(edge.uri(DIALLED), "+15559990000", null, Map.of(
                "Diversion", "<sip:+15550001111@carrier.example>;reason=unconditional;counter=1",
                "History-Info", "<sip:+15550001111@carrier.example>;index=1,<sip:" + DIALLED + "@carrier.example>;index=1.1;mp=1"));
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        Request atVoicemail = voicemail.awaitRequest(Request.INVITE, WAIT);

        // RFC 5806: the most recent diversion first, earlier ones kept after it
        List<String> diversions = entries(atVoicemail, "Diversion");
        assertThat(diversions).hasSize(2);
        assertThat(diversions.get(0)).contains("<sip:" + DIALLED + "@127.0.0.1>", "reason=user-busy", "counter=1");
        assertThat(diversions.get(1)).contains("<sip:+15550001111@carrier.example>", "reason=unconditional");
        // RFC 7044: entries in order, the edge's extending the caller's last index; the target marked mp with its RFC 4458 cause
        List<String> history = entries(atVoicemail, "History-Info");
        assertThat(history).hasSize(4);
        assertThat(history.get(0)).contains("index=1").doesNotContain("index=1.");
        assertThat(history.get(1)).contains("<sip:" + DIALLED + "@carrier.example>", "index=1.1");
        assertThat(history.get(2)).startsWith("<sip:" + DIALLED + "@127.0.0.1?Reason=SIP%3Bcause%3D486>").endsWith(";index=1.1.1");
        assertThat(history.get(3)).startsWith("<sip:vm-busy@127.0.0.1:" + voicemail.port()).contains("cause=486")
                .endsWith(";index=1.1.1.1;mp=1.1.1");
        call.bye();
        assertThat(voicemail.receivedWithin(Request.BYE, null, WAIT)).isTrue();
    }

    @Test
    void shouldSendOnlyHistoryInfoOverATrunkThatReadsIt() throws Exception {
        edge.publishTrunk(EdgeFixture.trunk("vm-hi", voicemail.port()).setDiversionHeader(DiversionHeader.HISTORY_INFO).build());
        edge.account("fw-hi", "pw-fw-hi", true); // no REGISTER: unavailable
        RouteTarget overTrunk = RouteTarget.newBuilder(FakeRouter.trunk("vm-hi", "sip:vm-away@127.0.0.1:" + voicemail.port(), null))
                .setDiversionReason("unavailable").build();
        routeTo("fw-hi", v -> v.setUnavailableTargets(List.of(overTrunk)));

        var call = carrier.call(edge.uri(DIALLED), "+15559990000", null);
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        Request atVoicemail = voicemail.awaitRequest(Request.INVITE, WAIT);
        assertThat(atVoicemail.getHeader("Diversion")).isNull();
        List<String> history = entries(atVoicemail, "History-Info");
        assertThat(history).hasSize(2);
        assertThat(history.get(0)).isEqualTo("<sip:" + DIALLED + "@127.0.0.1?Reason=SIP%3Bcause%3D404>;index=1");
        assertThat(history.get(1)).startsWith("<sip:vm-away@127.0.0.1:" + voicemail.port()).contains("cause=404").endsWith(";index=1.1;mp=1");
        call.bye();
        assertThat(voicemail.receivedWithin(Request.BYE, null, WAIT)).isTrue();
    }

    /** A header's entries in the order they arrived, whether each came on a line of its own or comma-separated. */
    private static List<String> entries(Request r, String name) {
        List<String> out = new ArrayList<>();
        for (var it = r.getHeaders(name); it.hasNext(); ) {
            String line = it.next().toString();
            String value = line.substring(line.indexOf(':') + 1).trim();
            int depth = 0;
            int start = 0;
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '<') depth++;
                else if (c == '>') depth--;
                else if (c == ',' && depth == 0) {
                    out.add(value.substring(start, i).trim());
                    start = i + 1;
                }
            }
            out.add(value.substring(start).trim());
        }
        return out;
    }
}
