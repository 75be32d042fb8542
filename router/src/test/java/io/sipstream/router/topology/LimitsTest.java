package io.sipstream.router.topology;

import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.VerdictAction;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.sipstream.router.topology.RouterDriver.account;
import static io.sipstream.router.topology.RouterDriver.trunk;
import static org.assertj.core.api.Assertions.assertThat;

/** The per-account limits enforced in the stream: live calls and calls per second. */
class LimitsTest {
    private RouterDriver d;

    @BeforeEach
    void setUp() {
        d = new RouterDriver();
        d.put(trunk("t1"));
    }

    @AfterEach
    void tearDown() { d.close(); }

    private RoutingVerdict call(String callId) {
        return d.decide(d.outbound("acme", "+15551234567").setCallId(callId));
    }

    private RoutingVerdict callAt(String callId, Instant at) {
        CallAttempt a = d.outbound("acme", "+15551234567").setCallId(callId).build();
        d.attempts.pipeInput("acme", a, at);
        return d.verdicts.readValue();
    }

    @Test
    void shouldRejectOverTheConcurrentCallLimitBeforeAnyEventArrives() {
        d.put(account("acme").setMaxConcurrentCalls(2));
        assertThat(call("c1").getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(call("c2").getAction()).isEqualTo(VerdictAction.ROUTE);
        RoutingVerdict third = call("c3");
        assertThat(third.getAction()).isEqualTo(VerdictAction.REJECT);
        assertThat(third.getSipStatus()).isEqualTo(486);
        assertThat(third.getReason()).isEqualTo("account acme has 2 live calls, its limit is 2");
        assertThat(third.getDestination()).isEqualTo("+15551234567");
    }

    @Test
    void shouldNotTrackTheCallsOfAnAccountWithoutAConcurrencyLimit() {
        d.put(account("acme"));
        var changelog = d.driver.createOutputTopic("router-test-" + RouterTopology.LIVE_CALLS_STORE + "-changelog",
                new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer());
        assertThat(call("c1").getAction()).isEqualTo(VerdictAction.ROUTE);
        for (CallEventType type : CallEventType.values()) d.event("acme", "c1", type);
        assertThat(changelog.readRecordsToList()).isEmpty();

        // the same events of a limited account are tracked, and the end writes the tombstone
        d.put(account("acme").setMaxConcurrentCalls(5));
        assertThat(call("c2").getAction()).isEqualTo(VerdictAction.ROUTE);
        d.event("acme", "c2", CallEventType.ANSWERED);
        d.event("acme", "c2", CallEventType.ENDED);
        assertThat(changelog.readRecordsToList()).extracting(r -> r.value() == null).containsExactly(false, false, true);
    }

    @Test
    void shouldNotReadTheEventsOfAnAccountWithoutAConcurrencyLimit() {
        d.put(account("acme"));
        d.rawEvents().pipeInput("acme", "not avro".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        d.rawEvents().pipeInput("acme", (byte[]) null);
        assertThat(d.deadLetters.isEmpty()).isTrue();
        assertThat(call("c1").getAction()).isEqualTo(VerdictAction.ROUTE);
    }

    @Test
    void shouldStillDeadLetterAnUnreadableEventOfALimitedAccount() {
        d.put(account("acme").setMaxConcurrentCalls(1));
        d.rawEvents().pipeInput("acme", "not avro".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        var letters = d.deadLetters.readValuesToList();
        assertThat(letters).hasSize(1);
        assertThat(letters.getFirst().getSourceTopic()).isEqualTo("call.events");
        assertThat(letters.getFirst().getReason()).contains("not in the Confluent wire format");
        assertThat(java.nio.charset.StandardCharsets.UTF_8.decode(letters.getFirst().getValue()).toString()).isEqualTo("not avro");
        assertThat(call("c1").getAction()).isEqualTo(VerdictAction.ROUTE);
    }

    @Test
    void shouldStillCountTheCallsOfALimitedAccountAmongUnlimitedOnes() {
        d.put(account("acme").setMaxConcurrentCalls(1));
        d.put(account("free"));
        d.event("free", "f1", CallEventType.ANSWERED);
        d.event("acme", "a1", CallEventType.ANSWERED);
        assertThat(call("c1").getSipStatus()).isEqualTo(486);
        d.event("acme", "a1", CallEventType.ENDED);
        assertThat(call("c2").getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(d.driver.getKeyValueStore(RouterTopology.LIVE_CALLS_STORE).approximateNumEntries()).isEqualTo(1); // c2
    }

    @Test
    void shouldRemoveTheTrackedCallsOfAnAccountWhoseLimitWasRemoved() {
        d.put(account("acme").setMaxConcurrentCalls(2));
        d.event("acme", "c1", CallEventType.ANSWERED);
        d.event("acme", "c2", CallEventType.ANSWERED);
        d.put(account("acme"));
        d.event("acme", "c1", CallEventType.ENDED);
        assertThat(d.driver.getKeyValueStore(RouterTopology.LIVE_CALLS_STORE).approximateNumEntries()).isEqualTo(1);
        d.event("acme", "c2", CallEventType.FAILED);
        assertThat(d.driver.getKeyValueStore(RouterTopology.LIVE_CALLS_STORE).approximateNumEntries()).isZero();
        // with nothing tracked any more, the account's events are not read at all
        d.rawEvents().pipeInput("acme", "not avro".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(d.deadLetters.isEmpty()).isTrue();
    }

    @Test
    void shouldCountACallFromItsNextEventWhenALimitIsSetWhileItIsUp() {
        d.put(account("acme"));
        assertThat(call("c1").getAction()).isEqualTo(VerdictAction.ROUTE);
        d.event("acme", "c1", CallEventType.ANSWERED);
        d.put(account("acme").setMaxConcurrentCalls(1));
        d.event("acme", "c1", CallEventType.INTERIM);
        assertThat(call("c2").getSipStatus()).isEqualTo(486);
        d.event("acme", "c1", CallEventType.ENDED);
        assertThat(call("c3").getAction()).isEqualTo(VerdictAction.ROUTE);
    }

    @Test
    void shouldFreeTheSlotWhenTheEdgeReportsTheCallEnded() {
        d.put(account("acme").setMaxConcurrentCalls(1));
        assertThat(call("c1").getAction()).isEqualTo(VerdictAction.ROUTE);
        d.event("acme", "c1", CallEventType.ANSWERED);
        assertThat(call("c2").getSipStatus()).isEqualTo(486);
        d.event("acme", "c1", CallEventType.ENDED);
        assertThat(call("c3").getAction()).isEqualTo(VerdictAction.ROUTE);
        d.event("acme", "c3", CallEventType.FAILED);
        assertThat(call("c4").getAction()).isEqualTo(VerdictAction.ROUTE);
    }

    @Test
    void shouldCountLiveCallsTheEdgeReportsAndEachCallOnce() {
        d.put(account("acme").setMaxConcurrentCalls(2));
        d.event("acme", "inbound-1", CallEventType.ATTEMPT);
        d.event("acme", "inbound-1", CallEventType.ANSWERED);
        // c1's ATTEMPT event may come before its attempt is decided: it does not count against itself
        d.event("acme", "c1", CallEventType.ATTEMPT);
        assertThat(call("c1").getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(call("c2").getSipStatus()).isEqualTo(486);
    }

    @Test
    void shouldAdmitTheSameAttemptAgainAfterAFailOver() {
        d.put(account("acme").setMaxConcurrentCalls(1));
        assertThat(call("c1").getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(call("c1").getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(call("c2").getSipStatus()).isEqualTo(486);
    }

    @Test
    void shouldExpireRoutedCallsTheEdgeNeverReportedByThePunctuator() {
        d.put(account("acme").setMaxConcurrentCalls(1));
        assertThat(call("c1").getAction()).isEqualTo(VerdictAction.ROUTE);
        d.driver.advanceWallClockTime(Duration.ofMinutes(4));
        assertThat(call("c2").getSipStatus()).isEqualTo(486);
        d.driver.advanceWallClockTime(Duration.ofMinutes(2)); // past the 5 minute pending age
        assertThat(d.driver.getKeyValueStore(RouterTopology.LIVE_CALLS_STORE).approximateNumEntries()).isZero();
        assertThat(call("c3").getAction()).isEqualTo(VerdictAction.ROUTE);
    }

    @Test
    void shouldKeepAnsweredCallsLongerThanRingingOnes() {
        d.put(account("acme").setMaxConcurrentCalls(1));
        assertThat(call("c1").getAction()).isEqualTo(VerdictAction.ROUTE);
        d.event("acme", "c1", CallEventType.ANSWERED);
        d.driver.advanceWallClockTime(Duration.ofHours(1));
        assertThat(call("c2").getSipStatus()).isEqualTo(486);
        d.driver.advanceWallClockTime(Duration.ofHours(6));
        assertThat(call("c3").getAction()).isEqualTo(VerdictAction.ROUTE);
    }

    @Test
    void shouldForgetARefusedCallTheEdgeHadReported() {
        d.put(account("acme").setMaxConcurrentCalls(1));
        d.event("acme", "c1", CallEventType.ATTEMPT);
        assertThat(d.decide(d.outbound("acme", "+19005551234").setCallId("c1")).getSipStatus()).isEqualTo(403);
        assertThat(call("c2").getAction()).isEqualTo(VerdictAction.ROUTE);
    }

    @Test
    void shouldRejectOverTheCallsPerSecondLimitByRecordTime() {
        d.put(account("acme").setMaxCallsPerSecond(2));
        Instant second = RouterDriver.START.plusSeconds(10);
        assertThat(callAt("r1", second).getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(callAt("r2", second.plusMillis(400)).getAction()).isEqualTo(VerdictAction.ROUTE);
        RoutingVerdict third = callAt("r3", second.plusMillis(999));
        assertThat(third.getAction()).isEqualTo(VerdictAction.REJECT);
        assertThat(third.getSipStatus()).isEqualTo(503);
        assertThat(third.getReason()).isEqualTo("account acme is over its limit of 2 calls per second");
        assertThat(callAt("r4", second.plusMillis(1000)).getAction()).isEqualTo(VerdictAction.ROUTE);
    }

    @Test
    void shouldNeverLetMoreThanTheLimitThroughInAnyOneSecondAcrossAWindowEdge() {
        d.put(account("acme").setMaxCallsPerSecond(2));
        Instant second = RouterDriver.START.plusSeconds(10);
        assertThat(callAt("e1", second.plusMillis(900)).getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(callAt("e2", second.plusMillis(950)).getAction()).isEqualTo(VerdictAction.ROUTE);
        // a fixed window starting at +1000 would admit two more here: four calls within 100 ms
        assertThat(callAt("e3", second.plusMillis(1000)).getSipStatus()).isEqualTo(503);
        assertThat(callAt("e4", second.plusMillis(1899)).getSipStatus()).isEqualTo(503);
        assertThat(callAt("e5", second.plusMillis(1901)).getAction()).isEqualTo(VerdictAction.ROUTE); // e1 has left
        assertThat(callAt("e6", second.plusMillis(1920)).getSipStatus()).isEqualTo(503);
        assertThat(callAt("e7", second.plusMillis(1951)).getAction()).isEqualTo(VerdictAction.ROUTE); // e2 has left
    }

    @Test
    void shouldNotLimitAnAccountWithoutLimits() {
        d.put(account("acme"));
        for (int i = 0; i < 50; i++) assertThat(call("u" + i).getAction()).isEqualTo(VerdictAction.ROUTE);
        assertThat(d.driver.getKeyValueStore(RouterTopology.LIVE_CALLS_STORE).approximateNumEntries()).isZero();
    }

    @Test
    void shouldApplyTheOwnersConcurrencyLimitToInboundCalls() {
        d.put(account("bob").setMaxConcurrentCalls(1));
        d.assign("+15551230009", "bob");
        d.event("bob", "busy-call", CallEventType.ANSWERED);
        RoutingVerdict v = d.decide(d.inbound("+15551230009", "+12125550100"));
        assertThat(v.getSipStatus()).isEqualTo(486);
        assertThat(v.getAccountId()).isEqualTo("bob");
    }
}
