package io.sipstream.edge.call;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Direction;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.SharedEdge;
import io.sipstream.edge.support.TestUserAgent;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sip.Dialog;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Outbound calls from an account's softphone through the edge to trunks; the test plays the router through the broker. */
@ExtendWith(SharedEdge.class)
class OutboundCallTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final SharedEdge.Shared shared;
    private final EdgeFixture edge;
    private TestUserAgent phone;
    private TestUserAgent trunk1;
    private TestUserAgent trunk2;

    OutboundCallTest(SharedEdge.Shared shared) {
        this.shared = shared;
        this.edge = shared.edge();
    }

    @BeforeEach
    void peers() throws Exception {
        phone = TestUserAgent.start("phone");
        trunk1 = TestUserAgent.start("trunk1");
        trunk2 = TestUserAgent.start("trunk2");
        edge.publishTrunk(EdgeFixture.trunk("out-t1", trunk1.port()).build());
        edge.publishTrunk(EdgeFixture.trunk("out-t2", trunk2.port()).build());
        shared.router().clear();
    }

    @AfterEach
    void close() {
        phone.close();
        trunk1.close();
        trunk2.close();
    }

    private void routeTo(String... trunkIds) {
        shared.router().policy(a -> {
            var targets = java.util.Arrays.stream(trunkIds).map(id -> trunk(id,
                    "sip:+15557654321@127.0.0.1:" + (id.equals("out-t1") ? trunk1.port() : trunk2.port()), "+15551230001"))
                    .toArray(io.sipstream.avro.RouteTarget[]::new);
            return route(a, targets).build();
        });
    }

    @Test
    void shouldCompleteACallWithTheRoutersCallerIdInFromAndAssertedIdentity() throws Exception {
        edge.account("alice", "secret-a", true);
        routeTo("out-t1");
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> edge.edge.callsInProgress() == 0);
        int timersBefore = edge.edge.queuedTimers();

        var call = phone.call(edge.uri("+15557654321"), "alice", "secret-a",
                Map.of("P-Preferred-Identity", "<sip:+15550000007@sipstream.local>"));
        Response answer = call.awaitFinal(WAIT);

        assertThat(answer.getStatusCode()).isEqualTo(200);
        assertThat(call.statuses()).contains(100, 401, 180);
        assertThat(TestUserAgent.body(answer)).contains("m=audio 50000"); // the trunk's SDP, untouched
        Request atTrunk = trunk1.awaitRequest(Request.INVITE, WAIT);
        assertThat(TestUserAgent.fromUser(atTrunk)).isEqualTo("+15551230001");
        assertThat(TestUserAgent.userOf(atTrunk, "P-Asserted-Identity")).isEqualTo("+15551230001");
        assertThat(TestUserAgent.body(atTrunk)).isEqualTo(TestUserAgent.SDP); // the caller's SDP, untouched
        assertThat(atTrunk.getHeader("Authorization")).isNull();

        CallAttempt attempt = shared.router().awaitAttempt(call.callId(), WAIT);
        assertThat(attempt.getAccountId()).isEqualTo("alice");
        assertThat(attempt.getDirection()).isEqualTo(Direction.OUTBOUND);
        assertThat(attempt.getDialled()).isEqualTo("+15557654321");
        assertThat(attempt.getFromUser()).isEqualTo("alice");
        assertThat(attempt.getAssertedIdentity()).isEqualTo("+15550000007");
        assertThat(attempt.getReplyPartition()).isEqualTo(1);
        assertThat(attempt.getSourceIp()).isEqualTo("127.0.0.1");
        assertThat(attempt.getSourcePort()).isEqualTo(phone.port());
        assertThat(attempt.getTransport()).isEqualTo("udp");

        shared.events().await(call.callId(), CallEventType.INTERIM, WAIT);
        call.bye();
        assertThat(trunk1.receivedWithin(Request.BYE, null, WAIT)).isTrue();
        var ended = shared.events().await(call.callId(), CallEventType.ENDED, WAIT);
        assertThat(ended.getHangupBy()).isEqualTo(io.sipstream.avro.HangupParty.CALLER);
        assertThat(ended.getDurationMillis()).isPositive();
        assertThat(ended.getTrunkId()).isEqualTo("out-t1");
        assertThat(ended.getEventId()).isEqualTo(attempt.getCallId() + ":ENDED:0");
        assertThat(attempt.getCallId()).as("the edge's own id, which ends with the SIP Call-ID").endsWith(":" + call.callId());
        assertThat(ended.getDestination()).isEqualTo("+15557654321");
        assertThat(ended.getCallerId()).isEqualTo("+15551230001");
        assertThat(ended.getStartedAt()).isBeforeOrEqualTo(ended.getAnsweredAt());
        assertThat(shared.events().typesOf(call.callId())).as("a postpaid call: no ATTEMPT, no RINGING (edge.events.progress is off)")
                .contains(CallEventType.INTERIM).filteredOn(t -> t != CallEventType.INTERIM)
                .containsExactly(CallEventType.ANSWERED, CallEventType.ENDED);
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> edge.edge.callsInProgress() == 0);
        assertThat(edge.edge.callIdsIndexed()).as("the ended call's ids are all gone").isZero();
        // its timers too: a cancelled 4-hour maximum-duration timer left queued would hold the whole call
        assertThat(edge.edge.queuedTimers()).as("timers queued after the call").isLessThanOrEqualTo(timersBefore);
    }

    @Test
    void shouldLetGoOfAnEndedCallWhileTheStackStillHoldsItsDialogs() throws Exception {
        edge.account("gone", "pw-gone", true);
        routeTo("out-t1");
        var call = phone.call(edge.uri("+15557654321"), "gone", "pw-gone");
        Response answer = call.awaitFinal(WAIT);
        assertThat(answer.getStatusCode()).isEqualTo(200);
        assertThat(trunk1.receivedWithin(Request.ACK, null, WAIT)).isTrue();
        B2buaCall live = edge.edge.call(call.callId());
        // held here as the stack holds them after the call (the caller's BYE transaction keeps its dialog for Timer J)
        List<Dialog> dialogs = live.bridgedDialogs();
        assertThat(dialogs).allSatisfy(d -> assertThat(d.getApplicationData()).isNotNull());
        WeakReference<B2buaCall> ended = new WeakReference<>(live);
        live = null;

        long byeAt = System.nanoTime();
        call.bye();
        assertThat(trunk1.receivedWithin(Request.BYE, null, WAIT)).isTrue();
        shared.events().await(call.callId(), CallEventType.ENDED, WAIT);
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> edge.edge.callsInProgress() == 0);

        assertThat(dialogs).allSatisfy(d -> assertThat(d.getApplicationData()).as("an ended call's dialog has no owner").isNull());
        assertThat(((gov.nist.javax.sip.stack.SIPDialog) dialogs.get(1)).getFirstTransactionInt().getApplicationData()).as("the trunk leg's acknowledged INVITE").isNull();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (ended.get() != null && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(ended.get()).as("the ended call, unreachable from the stack's dialogs and transactions").isNull();
        assertThat(Duration.ofNanos(System.nanoTime() - byeAt)).as("let go while the caller's BYE transaction is in Timer J")
                .isLessThan(Duration.ofSeconds(32));

        // a late request in the ended dialog is answered without the call
        String fromTag = ((javax.sip.header.FromHeader) call.request().getHeader(javax.sip.header.FromHeader.NAME)).getTag();
        String toTag = ((javax.sip.header.ToHeader) answer.getHeader(javax.sip.header.ToHeader.NAME)).getTag();
        assertThat(sendRaw(inDialog("INFO", call.callId(), fromTag, toTag))).startsWith("SIP/2.0 481");
    }

    /** An in-dialog request from the caller's side, as raw text; its Via names the socket {@link #sendRaw} listens on. */
    private String inDialog(String method, String callId, String fromTag, String toTag) {
        return method + " sip:127.0.0.1:" + edge.sipPort + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:%PORT%;branch=z9hG4bK-late-" + System.nanoTime() + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:gone@sipstream.local>;tag=" + fromTag + "\r\n"
                + "To: <sip:+15557654321@127.0.0.1>;tag=" + toTag + "\r\n"
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: 900 " + method + "\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    /** Sends one datagram to the edge and returns the status line of its final answer (empty if none comes). */
    private String sendRaw(String message) throws Exception { return io.sipstream.edge.support.RawSip.send(edge.sipPort, message, WAIT); }

    @Test
    void shouldSendAnAnonymousFromAndNoAssertedIdentityWhenTheVerdictHasNoCallerId() throws Exception {
        // the router chose no number the account owns: the edge must not assert the caller's own From user
        edge.account("anon", "pw-an", true);
        shared.router().policy(a -> route(a, trunk("out-t1", "sip:+15557654321@127.0.0.1:" + trunk1.port(), null))
                .setCallerId(null).build());
        var call = phone.call(edge.uri("+15557654321"), "anon", "pw-an",
                Map.of("P-Preferred-Identity", "<sip:+15550000099@sipstream.local>"));
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);

        Request atTrunk = trunk1.awaitRequest(Request.INVITE, WAIT);
        var from = (javax.sip.header.FromHeader) atTrunk.getHeader(javax.sip.header.FromHeader.NAME);
        assertThat(from.getAddress().getDisplayName()).isEqualTo("Anonymous");
        assertThat(from.getAddress().getURI().toString()).isEqualTo("sip:anonymous@anonymous.invalid");
        assertThat(atTrunk.getHeader("P-Asserted-Identity")).isNull();
        assertThat(atTrunk.getHeader("P-Preferred-Identity")).isNull();
        assertThat(atTrunk.getHeader("Privacy").toString()).contains("id");
        assertThat(atTrunk.toString()).doesNotContain("sip:anon@").doesNotContain("+15550000099");
        call.bye();
        assertThat(trunk1.receivedWithin(Request.BYE, null, WAIT)).isTrue();
    }

    @Test
    void shouldSendAnAnonymousFromButAssertTheNumberToTheTrunkWhenTheCallerAsksForPrivacy() throws Exception {
        // RFC 3325: the trunk (trust domain) still learns the owned number, with Privacy: id to withhold it further
        edge.account("priv", "pw-pr", true);
        routeTo("out-t1");
        var call = phone.call(edge.uri("+15557654321"), "priv", "pw-pr", Map.of("Privacy", "id"));
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);

        Request atTrunk = trunk1.awaitRequest(Request.INVITE, WAIT);
        var from = (javax.sip.header.FromHeader) atTrunk.getHeader(javax.sip.header.FromHeader.NAME);
        assertThat(from.getAddress().getDisplayName()).isEqualTo("Anonymous");
        assertThat(from.getAddress().getURI().toString()).isEqualTo("sip:anonymous@anonymous.invalid");
        assertThat(TestUserAgent.userOf(atTrunk, "P-Asserted-Identity")).isEqualTo("+15551230001");
        assertThat(atTrunk.getHeader("Privacy").toString()).contains("id");
        assertThat(atTrunk.toString()).doesNotContain("sip:priv@");
        call.bye();
        assertThat(trunk1.receivedWithin(Request.BYE, null, WAIT)).isTrue();
    }

    @Test
    void shouldRefuseAnUnknownAccountWith403AfterTheChallenge() throws Exception {
        routeTo("out-t1");
        var call = phone.call(edge.uri("+15557654321"), "nobody", "whatever");
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(403);
        assertThat(call.statuses()).containsSubsequence(401, 403);
        assertThat(trunk1.receivedWithin(Request.INVITE, null, Duration.ofMillis(300))).isFalse();
    }

    @Test
    void shouldRefuseWith400ADigestComputedForAnotherRequestUri() throws Exception {
        // a digest captured for one destination must not authorise a call to another (RFC 2617 3.2.2.5)
        edge.account("uri-check", "pw-u", true);
        routeTo("out-t1");
        var call = phone.call(edge.uri("+15557654321"), "uri-check", "pw-u", Map.of(),
                c -> c.digestUri(edge.uri("+15550000000"))); // right password, digest for another URI
        Response r = call.awaitFinal(WAIT);
        assertThat(r.getStatusCode()).isEqualTo(400);
        assertThat(r.getHeader("Reason").toString()).contains("digest uri");
        assertThat(call.statuses()).containsSubsequence(401, 400);
        assertThat(trunk1.receivedWithin(Request.INVITE, null, Duration.ofMillis(300))).isFalse();
    }

    @Test
    void shouldChallengeThenRefuseAWrongPassword() throws Exception {
        edge.account("bob", "right", true);
        routeTo("out-t1");
        var call = phone.call(edge.uri("+15557654321"), "bob", "wrong");
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(403);
        assertThat(call.statuses()).containsSubsequence(401, 403);
    }

    @Test
    void shouldAuthenticateWithMd5AsWellAsSha256() throws Exception {
        edge.account("carol", "pw-c", true);
        routeTo("out-t1");
        var call = phone.call(edge.uri("+15557654321"), "carol", "pw-c").preferring("MD5");
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        call.bye();
    }

    @Test
    void shouldRefuseADisabledAccount() throws Exception {
        edge.account("dave", "pw-d", false);
        routeTo("out-t1");
        var call = phone.call(edge.uri("+15557654321"), "dave", "pw-d");
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(403);
    }

    @Test
    void shouldCancelTheTrunkLegWhenTheCallerCancelsBeforeTheAnswer() throws Exception {
        edge.account("erin", "pw-e", true);
        routeTo("out-t1");
        trunk1.onInvite(TestUserAgent.IncomingCall::ring);
        var call = phone.call(edge.uri("+15557654321"), "erin", "pw-e");
        call.awaitStatus(180, WAIT);
        var atTrunk = trunk1.awaitIncoming(WAIT);
        call.cancel();
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(487);
        assertThat(trunk1.receivedWithin(Request.CANCEL, atTrunk.callId(), WAIT)).isTrue();
        var failed = shared.events().await(call.callId(), CallEventType.FAILED, WAIT);
        assertThat(failed.getSipStatus()).isEqualTo(487);
        assertThat(failed.getHangupBy()).isEqualTo(io.sipstream.avro.HangupParty.CALLER);
    }

    @Test
    void shouldRefuseWith481ACancelThatSharesOnlyTheCallIdAndKeepTheCallRinging() throws Exception {
        edge.account("forged", "pw-fc", true);
        routeTo("out-t1");
        trunk1.onInvite(TestUserAgent.IncomingCall::ring);
        var call = phone.call(edge.uri("+15557654321"), "forged", "pw-fc");
        call.awaitStatus(180, WAIT);
        var atTrunk = trunk1.awaitIncoming(WAIT);
        Request invite = call.request();
        long cseq = ((javax.sip.header.CSeqHeader) invite.getHeader("CSeq")).getSeqNumber();
        // someone who learnt the Call-ID, the tags and the CSeq, but did not send the INVITE: its own top Via
        String forged = "CANCEL " + invite.getRequestURI() + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:%PORT%;branch=z9hG4bK-forged-" + System.nanoTime() + ";rport\r\n"
                + "Max-Forwards: 70\r\n" + invite.getHeader("From") + invite.getHeader("To") + invite.getHeader("Call-ID")
                + "CSeq: " + cseq + " CANCEL\r\nContent-Length: 0\r\n\r\n";
        String unknown = forged.replace(call.callId(), "no-such-call-" + System.nanoTime()).replace("z9hG4bK-forged-", "z9hG4bK-unknown-");
        try {
            assertThat(io.sipstream.edge.support.RawSip.send(edge.sipPort, forged, WAIT)).startsWith("SIP/2.0 481");
            assertThat(io.sipstream.edge.support.RawSip.send(edge.sipPort, unknown, WAIT)).as("a CANCEL of no transaction")
                    .startsWith("SIP/2.0 481");
            assertThat(trunk1.receivedWithin(Request.CANCEL, atTrunk.callId(), Duration.ofMillis(500))).as("the call rings on").isFalse();
        } finally {
            call.cancel(); // the caller's own CANCEL (and no call left ringing, whatever failed above)
        }
        assertThat(call.awaitCancelAnswer(WAIT)).isEqualTo(200);
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(487);
        assertThat(trunk1.receivedWithin(Request.CANCEL, atTrunk.callId(), WAIT)).isTrue();
    }

    @Test
    void shouldSendTheTrunkOneHopLessAndAnswer483WhenNoHopIsLeft() throws Exception {
        edge.account("hops", "pw-hops", true);
        routeTo("out-t1");
        var lastHop = phone.call(edge.uri("+15557654321"), "hops", "pw-hops", Map.of(), c -> maxForwards(c.request(), 1));
        assertThat(lastHop.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        Request atTrunk = trunk1.awaitRequest(Request.INVITE, WAIT);
        lastHop.bye();
        assertThat(trunk1.receivedWithin(Request.BYE, null, WAIT)).isTrue();
        assertThat(((javax.sip.header.MaxForwardsHeader) atTrunk.getHeader("Max-Forwards")).getMaxForwards())
                .as("a loop back into the edge would be answered 483").isZero();

        var looped = phone.call(edge.uri("+15557654321"), "hops", "pw-hops", Map.of(), c -> maxForwards(c.request(), 0));
        assertThat(looped.awaitFinal(WAIT).getStatusCode()).isEqualTo(483);
        assertThat(shared.router().attemptsOf(looped.callId())).isEmpty();
    }

    private static void maxForwards(Request r, int hops) {
        try {
            r.setHeader(javax.sip.SipFactory.getInstance().createHeaderFactory().createMaxForwardsHeader(hops));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void shouldReplaceTheSdpOriginsUserNameTowardsTheTrunkAndTheCaller() throws Exception {
        edge.account("origin", "pw-or", true);
        routeTo("out-t1");
        String phoneSdp = TestUserAgent.SDP.replace("o=- 1 1 ", "o=alice-laptop 2890844526 2890844527 ");
        String trunkSdp = TestUserAgent.SDP.replace("o=- 1 1 ", "o=carrier-sbc-7 4711 12 ").replace("40000", "50000");
        trunk1.onInvite(c -> c.respond(200, Map.of(), trunkSdp));
        var call = phone.call(edge.uri("+15557654321"), "origin", "pw-or", Map.of(), c -> {
            try {
                c.request().setContent(phoneSdp, javax.sip.SipFactory.getInstance().createHeaderFactory()
                        .createContentTypeHeader("application", "sdp"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Response answer = call.awaitFinal(WAIT);
        assertThat(answer.getStatusCode()).isEqualTo(200);
        Request atTrunk = trunk1.awaitRequest(Request.INVITE, WAIT);
        call.bye();
        assertThat(trunk1.receivedWithin(Request.BYE, null, WAIT)).isTrue();
        assertThat(TestUserAgent.body(atTrunk)).as("the offer: only the origin's user name replaced")
                .isEqualTo(phoneSdp.replace("o=alice-laptop ", "o=- "));
        assertThat(TestUserAgent.body(answer)).as("the answer: only the origin's user name replaced")
                .isEqualTo(trunkSdp.replace("o=carrier-sbc-7 ", "o=- "));
    }

    @Test
    void shouldEndTheCallerLegWhenTheTrunkHangsUp() throws Exception {
        edge.account("frank", "pw-f", true);
        routeTo("out-t1");
        var call = phone.call(edge.uri("+15557654321"), "frank", "pw-f");
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        var atTrunk = trunk1.awaitIncoming(WAIT);
        atTrunk.bye();
        assertThat(phone.receivedWithin(Request.BYE, call.callId(), WAIT)).isTrue();
        var ended = shared.events().await(call.callId(), CallEventType.ENDED, WAIT);
        assertThat(ended.getHangupBy()).isEqualTo(io.sipstream.avro.HangupParty.CALLEE);
    }

    @Test
    void shouldFailOverFromATrunkAnswering503ToTheNext() throws Exception {
        edge.account("gina", "pw-g", true);
        routeTo("out-t1", "out-t2");
        trunk1.onInvite(c -> c.respond(503));
        var call = phone.call(edge.uri("+15557654321"), "gina", "pw-g");
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        assertThat(trunk1.receivedWithin(Request.INVITE, null, WAIT)).isTrue();
        assertThat(trunk2.awaitRequest(Request.INVITE, WAIT)).isNotNull();
        assertThat(shared.events().await(call.callId(), CallEventType.ANSWERED, WAIT).getTrunkId()).isEqualTo("out-t2");
        call.bye();
        assertThat(trunk2.receivedWithin(Request.BYE, null, WAIT)).isTrue();
    }

    @Test
    void shouldNotFailOverOnBusy() throws Exception {
        edge.account("hank", "pw-h", true);
        routeTo("out-t1", "out-t2");
        trunk1.onInvite(c -> c.respond(486));
        var call = phone.call(edge.uri("+15557654321"), "hank", "pw-h");
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(486);
        assertThat(trunk2.receivedWithin(Request.INVITE, null, Duration.ofMillis(500))).isFalse();
    }

    @Test
    void shouldFailOverOnAFailureThatIsNotAmongTheTrunksFinalCodes() throws Exception {
        // the trunk carries the default final codes (486, 600, 603, 404, 484, 485): a 480 or a 403 tries the next trunk
        edge.account("fern", "pw-fe", true);
        routeTo("out-t1", "out-t2");
        for (int status : new int[] {480, 403}) {
            trunk1.clear();
            trunk2.clear();
            trunk1.onInvite(c -> c.respond(status));
            var call = phone.call(edge.uri("+15557654321"), "fern", "pw-fe");
            assertThat(call.awaitFinal(WAIT).getStatusCode()).as("after %s", status).isEqualTo(200);
            assertThat(trunk1.receivedWithin(Request.INVITE, null, WAIT)).isTrue();
            assertThat(shared.events().await(call.callId(), CallEventType.ANSWERED, WAIT).getTrunkId()).isEqualTo("out-t2");
            call.bye();
            assertThat(trunk2.receivedWithin(Request.BYE, null, WAIT)).isTrue();
        }
    }

    @Test
    void shouldStopTheHuntOnAFinalCodeOfTheTrunk() throws Exception {
        edge.account("gus", "pw-gu", true);
        routeTo("out-t1", "out-t2");
        trunk1.onInvite(c -> c.respond(404)); // one of the default final codes
        var call = phone.call(edge.uri("+15557654321"), "gus", "pw-gu");
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(404);
        assertThat(trunk2.receivedWithin(Request.INVITE, null, Duration.ofMillis(500))).isFalse();

        // a trunk's own list replaces the default: its 503 stops the hunt, its 404 moves on
        edge.publishTrunk(EdgeFixture.trunk("out-t1", trunk1.port()).setFinalCodes(List.of(503)).build());
        trunk1.onInvite(c -> c.respond(503));
        var stopped = phone.call(edge.uri("+15557654321"), "gus", "pw-gu");
        assertThat(stopped.awaitFinal(WAIT).getStatusCode()).isEqualTo(503);
        assertThat(trunk2.receivedWithin(Request.INVITE, null, Duration.ofMillis(500))).isFalse();
        trunk1.onInvite(c -> c.respond(404));
        var moved = phone.call(edge.uri("+15557654321"), "gus", "pw-gu");
        assertThat(moved.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        assertThat(trunk2.receivedWithin(Request.INVITE, null, WAIT)).isTrue();
        moved.bye();
    }

    @Test
    void shouldNotFollowARedirectFromATrunk() throws Exception {
        edge.account("ivan", "pw-i", true);
        routeTo("out-t1");
        trunk1.onInvite(c -> c.respond(302, Map.of("Contact", "<sip:+15559999999@127.0.0.1:" + trunk2.port() + ">")));
        var call = phone.call(edge.uri("+15557654321"), "ivan", "pw-i");
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(502);
        assertThat(trunk2.receivedWithin(Request.INVITE, null, Duration.ofMillis(500))).isFalse();
    }

    @Test
    void shouldBillAFollowedRedirectAsTheRedirectsAttempt() throws Exception {
        edge.account("ivy", "pw-iv", true);
        edge.publishTrunk(EdgeFixture.trunk("out-t3", trunk1.port()).setAllowRedirect(true).build());
        shared.router().policy(a -> a.getRedirectOf() == null
                ? route(a, trunk("out-t3", "sip:+15557654321@127.0.0.1:" + trunk1.port(), null)).build()
                : route(a, trunk("out-t2", "sip:" + a.getDialled() + "@127.0.0.1:" + trunk2.port(), null))
                        .setDestination(a.getDialled()).setCallerId("+15550008888").build());
        trunk1.onInvite(c -> c.respond(302, Map.of("Contact", "<sip:+15559999999@127.0.0.1:" + trunk2.port() + ">")));
        var call = phone.call(edge.uri("+15557654321"), "ivy", "pw-iv");
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        assertThat(trunk2.awaitRequest(Request.INVITE, WAIT)).isNotNull();
        call.bye();
        assertThat(trunk2.receivedWithin(Request.BYE, null, WAIT)).isTrue();

        String id = call.callId();
        String redirect = id + ";redirect-1";
        var events = shared.events();
        var redirected = events.await(redirect, CallEventType.ENDED, WAIT);
        assertThat(redirected.getDestination()).isEqualTo("+15559999999");
        assertThat(redirected.getCallerId()).isEqualTo("+15550008888");
        assertThat(redirected.getTrunkId()).isEqualTo("out-t2");
        assertThat(redirected.getDurationMillis()).isPositive();
        assertThat(events.typesOf(redirect)).doesNotContain(CallEventType.ATTEMPT).containsSubsequence(CallEventType.ANSWERED, CallEventType.ENDED);
        var original = events.of(id).stream().filter(e -> e.getCallId().endsWith(":" + id) || e.getCallId().equals(id)).toList();
        assertThat(original).extracting(e -> e.getType()).as("never announced, still reported").containsExactly(CallEventType.FAILED);
        CallEvent failed = original.get(0);
        assertThat(failed.getSipStatus()).isEqualTo(302);
        assertThat(failed.getDestination()).isEqualTo("+15557654321");
        assertThat(failed.getCallerId()).isEqualTo("+15551230001");
        assertThat(failed.getTrunkId()).isEqualTo("out-t3");
        assertThat(failed.getAccountId()).isEqualTo("ivy");
        assertThat(failed.getStartedAt()).isNotNull();
    }

    @Test
    void shouldRefuseReferFromATrunkThatDoesNotAllowIt() throws Exception {
        edge.account("judy", "pw-j", true);
        routeTo("out-t1");
        var call = phone.call(edge.uri("+15557654321"), "judy", "pw-j");
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        var atTrunk = trunk1.awaitIncoming(WAIT);
        assertThat(atTrunk.sendInDialog(Request.REFER, Map.of("Refer-To", "<sip:+15550001111@127.0.0.1>"))).isEqualTo(403);
        assertThat(call.sendInDialog(Request.REFER, Map.of("Refer-To", "<sip:+15550001111@127.0.0.1>"))).isEqualTo(403);
        call.bye();
    }

    @Test
    void shouldRelayInfoAndReInviteBetweenTheLegs() throws Exception {
        edge.account("kate", "pw-k", true);
        routeTo("out-t1");
        var call = phone.call(edge.uri("+15557654321"), "kate", "pw-k");
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        trunk1.awaitRequest(Request.INVITE, WAIT);
        assertThat(call.sendInDialog(Request.INFO, Map.of())).isEqualTo(200);
        assertThat(trunk1.awaitRequest(Request.INFO, WAIT)).isNotNull();
        assertThat(call.sendInDialog(Request.INVITE, Map.of())).isEqualTo(200);
        assertThat(trunk1.awaitRequest(Request.INVITE, WAIT)).isNotNull();
        call.bye();
        assertThat(trunk1.receivedWithin(Request.BYE, null, WAIT)).isTrue();
    }

    @Test
    void shouldRelayALateOfferReInviteAndBringTheAnswerBackInTheAck() throws Exception {
        edge.account("kyle", "pw-ky", true);
        routeTo("out-t1");
        var call = phone.call(edge.uri("+15557654321"), "kyle", "pw-ky");
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        trunk1.awaitRequest(Request.INVITE, WAIT);

        Response reinvited = call.requestInDialog(Request.INVITE, Map.of()); // no SDP: the far side makes the offer
        assertThat(reinvited.getStatusCode()).isEqualTo(200);
        assertThat(TestUserAgent.body(reinvited)).as("the trunk's offer reaches the phone").isEqualTo(TestUserAgent.SDP);
        Request atTrunk = trunk1.awaitRequest(Request.INVITE, WAIT);
        assertThat(TestUserAgent.body(atTrunk)).isNull();
        org.awaitility.Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(trunk1.requests().stream()
                .filter(r -> r.getMethod().equals(Request.ACK)).map(TestUserAgent::body).toList())
                .as("the phone's answer reaches the trunk in its ACK").contains(TestUserAgent.ANSWER_SDP));
        call.bye();
        assertThat(trunk1.receivedWithin(Request.BYE, null, WAIT)).isTrue();
    }

    @Test
    void shouldBringTheAnswerOfALateOfferReInviteToTheTrunkWhenThePhonesAckComesLate() throws Exception {
        // a loaded phone or network: the trunk and the edge retransmit their 2xx before the phone's ACK arrives, and a
        // retransmission of the ACK of the call's INVITE (its 200 came again) arrives in between, with no answer in it
        edge.account("kyra", "pw-kr", true);
        routeTo("out-t1");
        var call = phone.call(edge.uri("+15557654321"), "kyra", "pw-kr");
        Response answer = call.awaitFinal(WAIT);
        assertThat(answer.getStatusCode()).isEqualTo(200);
        trunk1.awaitRequest(Request.INVITE, WAIT);
        String earlierAck = "ACK " + ((javax.sip.header.ContactHeader) answer.getHeader(javax.sip.header.ContactHeader.NAME)).getAddress().getURI()
                + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:%PORT%;branch=z9hG4bK-ack-" + System.nanoTime() + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: " + call.request().getHeader(javax.sip.header.FromHeader.NAME).toString().substring("From: ".length()).trim() + "\r\n"
                + "To: " + answer.getHeader(javax.sip.header.ToHeader.NAME).toString().substring("To: ".length()).trim() + "\r\n"
                + "Call-ID: " + call.callId() + "\r\n"
                + "CSeq: " + ((javax.sip.header.CSeqHeader) call.request().getHeader(javax.sip.header.CSeqHeader.NAME)).getSeqNumber() + " ACK\r\n"
                + "Content-Length: 0\r\n\r\n";
        phone.beforeReInviteAck(() -> {
            try {
                io.sipstream.edge.support.RawSip.send(edge.sipPort, earlierAck, Duration.ofMillis(200)); // no answer to an ACK
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).delayAcks(Duration.ofMillis(1_700));

        Response reinvited = call.requestInDialog(Request.INVITE, Map.of());
        assertThat(reinvited.getStatusCode()).isEqualTo(200);
        org.awaitility.Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(trunk1.requests().stream()
                .filter(r -> r.getMethod().equals(Request.ACK)).map(TestUserAgent::body).toList())
                .as("the phone's answer reaches the trunk in its ACK").contains(TestUserAgent.ANSWER_SDP));
        call.bye();
        assertThat(trunk1.receivedWithin(Request.BYE, null, WAIT)).isTrue();
    }

    @Test
    void shouldForgetTheCallersByeTransactionSoonAfterAnsweringIt() throws Exception {
        // Timer J kept it (the parsed BYE and its 200) 32 s on UDP; a BYE retransmitted later is answered anew
        edge.account("brief", "pw-br", true);
        routeTo("out-t1");
        var call = phone.call(edge.uri("+15557654321"), "brief", "pw-br");
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        assertThat(trunk1.receivedWithin(Request.ACK, null, WAIT)).isTrue();

        Request bye = call.bye();
        String branch = ((javax.sip.header.ViaHeader) bye.getHeader(javax.sip.header.ViaHeader.NAME)).getBranch();
        shared.events().await(call.callId(), CallEventType.ENDED, WAIT);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(12))
                .until(() -> !edge.edge.keepsServerTransaction(branch));
    }

    @Test
    void shouldReleaseTheTrunkLegsDialogOnceItsAckIsSent() throws Exception {
        // JAIN-SIP's "delete if no ACK sent" check held the dialog 64 x T1 (32 s) after the 2xx, ACK or not
        edge.account("acked", "pw-ak", true);
        routeTo("out-t1");
        int before = edge.edge.dialogsAwaitingAck(); // earlier tests' calls may leave some
        var call = phone.call(edge.uri("+15557654321"), "acked", "pw-ak");
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        assertThat(trunk1.receivedWithin(Request.ACK, null, WAIT)).isTrue();
        assertThat(before).isNotNegative();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> edge.edge.dialogsAwaitingAck() <= before);
        call.bye();
        assertThat(trunk1.receivedWithin(Request.BYE, null, WAIT)).isTrue();
    }

    @Test
    void shouldAnswerATrunksDigestChallengeWithItsCredentials() throws Exception {
        edge.account("liam", "pw-l", true);
        edge.publishTrunk(EdgeFixture.trunk("out-t1", trunk1.port()).setHasCredentials(true).build());
        edge.trunkCredentials("out-t1", "edge-user", "trunk-pass", "provider");
        routeTo("out-t1");
        java.util.List<Request> invites = new java.util.concurrent.CopyOnWriteArrayList<>();
        trunk1.onInvite(c -> {
            invites.add(c.invite());
            var auth = (javax.sip.header.AuthorizationHeader) c.invite().getHeader("Authorization");
            if (auth == null) {
                c.respond(401, Map.of("WWW-Authenticate", "Digest realm=\"provider\", nonce=\"n0nce\", qop=\"auth\", algorithm=MD5"));
                return;
            }
            String ha1 = io.sipstream.edge.auth.DigestMath.ha1("MD5", "edge-user", "provider", "trunk-pass");
            String expected = io.sipstream.edge.auth.DigestMath.response("MD5", ha1, "n0nce", "00000001", auth.getCNonce(), "auth",
                    "INVITE", c.invite().getRequestURI().toString());
            c.respond(expected.equals(auth.getResponse()) ? 200 : 403);
        });
        var call = phone.call(edge.uri("+15557654321"), "liam", "pw-l");
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        assertThat(invites).hasSize(2);
        call.bye();
    }

    @Test
    void shouldGiveEachCallItsOwnIdWhenTheCallerReusesItsCallId() throws Exception {
        // billing remembers finished calls by id: were the caller's Call-ID the id, a second call
        // with the same Call-ID would look like a late event of the first and never be billed
        edge.account("reuse", "pw-r", true);
        routeTo("out-t1");
        String sipCallId = "reused-" + java.util.UUID.randomUUID() + "@test";
        for (int i = 0; i < 2; i++) {
            var call = phone.call(edge.uri("+15557654321"), "reuse", "pw-r", Map.of(), c -> {
                try {
                    c.request().setHeader(javax.sip.SipFactory.getInstance().createHeaderFactory().createCallIdHeader(sipCallId));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
            call.bye();
            int ended = i + 1;
            org.awaitility.Awaitility.await().atMost(WAIT).until(() -> shared.events().of(sipCallId).stream()
                    .filter(e -> e.getType() == CallEventType.ENDED).count() == ended);
        }
        var ids = shared.events().of(sipCallId).stream().filter(e -> e.getType() == CallEventType.ENDED)
                .map(io.sipstream.avro.CallEvent::getCallId).toList();
        assertThat(ids).hasSize(2).doesNotHaveDuplicates().allSatisfy(id -> assertThat(id).endsWith(":" + sipCallId));
    }

    @Test
    void shouldAnswer503WithRetryAfterWhenNoRouterAnswers() throws Exception {
        edge.account("mona", "pw-m", true);
        shared.router().policy(a -> null);
        var call = phone.call(edge.uri("+15557654321"), "mona", "pw-m");
        Response r = call.awaitFinal(WAIT);
        assertThat(r.getStatusCode()).isEqualTo(503);
        assertThat(r.getHeader("Retry-After")).isNotNull();
        assertThat(trunk1.receivedWithin(Request.INVITE, null, Duration.ofMillis(300))).isFalse();
        // a verdict arriving after the timeout is ignored: the call is never routed
        var late = shared.router().awaitAttempt(call.callId(), WAIT);
        routeTo("out-t1");
        shared.router().policy(a -> null);
        assertThat(late.getCallId()).endsWith(":" + call.callId());
    }

    @Test
    void shouldAnswerARejectWithTheVerdictsStatusAndAReferenceToItsReason() throws Exception {
        // the router's reason stays inside (issue 19): the caller gets the status and a reference, the event the reason
        edge.account("nick", "pw-n", true);
        shared.router().policy(a -> io.sipstream.edge.support.FakeRouter.reject(a, 404, "no route to +15557654321"));
        var call = phone.call(edge.uri("+15557654321"), "nick", "pw-n");
        Response r = call.awaitFinal(WAIT);
        assertThat(r.getStatusCode()).isEqualTo(404);
        assertThat(r.getHeader("Reason").toString()).contains("Not found; ref=").doesNotContain("no route");
        var failed = shared.events().await(call.callId(), CallEventType.FAILED, WAIT);
        assertThat(failed.getSipStatus()).isEqualTo(404);
        assertThat(failed.getReason()).isEqualTo("no route to +15557654321");
        assertThat(r.getHeader("Reason").toString()).contains("ref=" + failed.getRef());
    }

    @Test
    void shouldTellTheCallerTheVerdictsQ850CauseInASecondReason() throws Exception {
        // every trunk full: 503 with Q.850 cause 34 (no circuit/channel available) beside the SIP reason and its reference
        edge.account("quin", "pw-q", true);
        shared.router().policy(a -> io.sipstream.avro.RoutingVerdict.newBuilder(io.sipstream.edge.support.FakeRouter.reject(a, 503,
                "no route to +15557654321: trunk out-t1 is full (1 of 1 channels)")).setQ850Cause(34).build());
        var call = phone.call(edge.uri("+15557654321"), "quin", "pw-q");
        Response r = call.awaitFinal(WAIT);
        assertThat(r.getStatusCode()).isEqualTo(503);
        List<String> reasons = new java.util.ArrayList<>();
        r.getHeaders("Reason").forEachRemaining(h -> reasons.add(h.toString().trim()));
        assertThat(reasons).hasSize(2);
        assertThat(reasons.get(0)).contains("SIP", "cause=503", "ref=").doesNotContain("out-t1");
        assertThat(reasons.get(1)).contains("Q.850", "cause=34", "No circuit/channel available");
    }

    @Test
    void shouldEndBothLegsWhenTheMaxDurationIsReached() throws Exception {
        edge.account("olga", "pw-o", true);
        shared.router().policy(a -> route(a, trunk("out-t1", "sip:+15557654321@127.0.0.1:" + trunk1.port(), null))
                .setMaxDurationSeconds(1).build());
        var call = phone.call(edge.uri("+15557654321"), "olga", "pw-o");
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        assertThat(phone.receivedWithin(Request.BYE, call.callId(), WAIT)).isTrue();
        assertThat(trunk1.receivedWithin(Request.BYE, null, WAIT)).isTrue();
        assertThat(shared.events().await(call.callId(), CallEventType.ENDED, WAIT).getHangupBy())
                .isEqualTo(io.sipstream.avro.HangupParty.SYSTEM);
        assertThat(shared.events().typesOf(call.callId())).as("a capped (prepaid) call reports its progress")
                .filteredOn(t -> t != CallEventType.INTERIM)
                .containsExactly(CallEventType.ATTEMPT, CallEventType.RINGING, CallEventType.ANSWERED, CallEventType.ENDED);
        assertThat(shared.events().await(call.callId(), CallEventType.ATTEMPT, WAIT).getDestination())
                .as("announced at the verdict").isEqualTo("+15557654321");
    }

    @Test
    void shouldEndALiveCallOnBothLegsAndRefuseNewOnesWhenBillingBlocksTheAccount() throws Exception {
        edge.account("pete", "pw-p", true);
        routeTo("out-t1");
        var call = phone.call(edge.uri("+15557654321"), "pete", "pw-p");
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        edge.block("pete", true, 402);
        assertThat(phone.receivedWithin(Request.BYE, call.callId(), WAIT)).isTrue();
        assertThat(trunk1.receivedWithin(Request.BYE, null, WAIT)).isTrue();
        var next = phone.call(edge.uri("+15557654321"), "pete", "pw-p");
        assertThat(next.awaitFinal(WAIT).getStatusCode()).isEqualTo(402);
        edge.block("pete", false, 402);
        org.awaitility.Awaitility.await().atMost(WAIT).untilAsserted(() -> {
            var again = phone.call(edge.uri("+15557654321"), "pete", "pw-p");
            assertThat(again.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
            again.bye();
        });
    }

    @Test
    void shouldPutABlockedAccountsEmergencyCallThroughUnwithheldAndKeepItWhenBillingBlocksAgain() throws Exception {
        edge.account("sos", "pw-sos", true);
        shared.router().policy(a -> route(a, trunk("out-t1", "sip:911@127.0.0.1:" + trunk1.port(), "+15551230001"))
                .setDestination("911").setEmergency(true).build());
        edge.block("sos", true, 402);
        org.awaitility.Awaitility.await("the edge refuses the blocked account's ordinary calls").atMost(WAIT).untilAsserted(() -> {
            var ordinary = phone.call(edge.uri("+15557654321"), "sos", "pw-sos");
            assertThat(ordinary.awaitFinal(WAIT).getStatusCode()).isEqualTo(402);
            assertThat(shared.router().attemptsOf(ordinary.callId())).as("refused by the edge alone").isEmpty();
        });

        // the edge asks the router about a blocked account's short code instead of refusing it 402 itself
        var call = phone.call(edge.uri("911"), "sos", "pw-sos", java.util.Map.of("Privacy", "id"));
        assertThat(call.awaitFinal(WAIT).getStatusCode()).as("%s", call.statuses()).isEqualTo(200);
        Request atTrunk = trunk1.awaitRequest(Request.INVITE, WAIT);
        assertThat(TestUserAgent.fromUser(atTrunk)).as("the call-back number, never withheld").isEqualTo("+15551230001");
        assertThat(TestUserAgent.userOf(atTrunk, "P-Asserted-Identity")).isEqualTo("+15551230001");
        assertThat(atTrunk.getHeader("Privacy")).isNull();
        assertThat(shared.events().await(call.callId(), CallEventType.ANSWERED, WAIT).getEmergency()).isTrue();

        // a block decision during the call (seen applied: ordinary calls get its new status) ends nothing
        edge.block("sos", true, 403);
        org.awaitility.Awaitility.await("the new block applied").atMost(WAIT).untilAsserted(() ->
                assertThat(phone.call(edge.uri("+15557654321"), "sos", "pw-sos").awaitFinal(WAIT).getStatusCode()).isEqualTo(403));
        assertThat(phone.receivedWithin(Request.BYE, call.callId(), Duration.ofMillis(500))).isFalse();
        assertThat(trunk1.receivedWithin(Request.BYE, null, Duration.ofMillis(100))).isFalse();
        call.bye();
        assertThat(shared.events().await(call.callId(), CallEventType.ENDED, WAIT).getEmergency()).isTrue();
        edge.block("sos", false, 402);
    }
}
