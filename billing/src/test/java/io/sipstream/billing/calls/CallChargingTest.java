package io.sipstream.billing.calls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipstream.avro.Account;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Direction;
import io.sipstream.avro.Disposition;
import io.sipstream.avro.HangupParty;
import io.sipstream.avro.Rate;
import io.sipstream.avro.RatedCdr;
import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.inputs.BadRecordException;
import io.sipstream.rating.RateKeys;
import io.sipstream.rating.RateLookup;
import io.sipstream.schemas.Money;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rules of one call's money, on plain objects: no topology, no stores. */
class CallChargingTest {
    private static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");
    private static final long STARTED = T0.toEpochMilli();

    private final Map<String, Rate> rates = new HashMap<>();
    private final CallCharging charging = new CallCharging(new RateLookup(rates::get), Duration.ofMinutes(2), Duration.ofHours(1),
            Duration.ofDays(7), STARTED);
    private final Account acme = Account.newBuilder().setAccountId("acme").setSipUsername("acme").setSipDomain("d").build();
    private final BalanceState state = new BalanceState();

    private void rate(String deck, String prefix, String price, String currency, int first, int next, String fee) {
        rates.put(RateKeys.key(deck, prefix), Rate.newBuilder().setDeckId(deck).setPrefix(prefix)
                .setPricePerMinute(Money.parse(price)).setCurrency(currency).setFirstIncrement(first).setNextIncrement(next)
                .setConnectionFee(Money.parse(fee)).build());
    }

    private static CallEvent.Builder event(String callId, CallEventType type, int sequence, Instant at) {
        return CallEvent.newBuilder().setEventId(callId + ":" + type + ":" + sequence).setCallId(callId).setAccountId("acme")
                .setType(type).setSequence(sequence).setDirection(Direction.OUTBOUND).setTrunkId("t1").setCallerId("+15551230001")
                .setDestination("+15551234567").setOccurredAt(at).setStartedAt(T0);
    }

    private CallState apply(CallState call, CallEvent event, long now) {
        return charging.apply("acme", call, event, CallCharging.eventId(event), acme, state, now);
    }

    @Test
    void shouldOpenACallFromAnyEventAndTakeTheRoutedValuesOfLaterOnes() {
        rate("default", "1", "0.60", "USD", 60, 60, "0");
        // ATTEMPT goes out before the router chose a caller ID or normalised the number
        CallState call = apply(null, event("c1", CallEventType.ATTEMPT, 0, T0).setCallerId("alice").setDestination("5551234567")
                .build(), STARTED);
        assertThat(call.openedWall).isEqualTo(STARTED);
        call = apply(call, event("c1", CallEventType.ANSWERED, 0, T0.plusSeconds(5)).build(), STARTED + 5000);

        assertThat(call.callerId).isEqualTo("+15551230001");
        assertThat(call.destination).isEqualTo("+15551234567");
        assertThat(call.answeredAt).isEqualTo(T0.plusSeconds(5).toEpochMilli());
        assertThat(call.seenEvents).containsExactly("c1:ATTEMPT:0", "c1:ANSWERED:0");
        assertThat(call.lastHeardWall).isEqualTo(STARTED + 5000);
        assertThat(call.rate.prefix()).isEqualTo("1");
    }

    @Test
    void shouldFixTheRateWhenTheCallIsFirstRatedNotWhenItEnds() {
        rate("default", "1", "0.60", "USD", 60, 60, "0");
        CallState call = apply(null, event("c1", CallEventType.ANSWERED, 0, T0).build(), STARTED);
        rate("default", "1", "9.00", "USD", 60, 60, "0"); // the deck replaced while the call runs

        call = apply(call, event("c1", CallEventType.ENDED, 0, T0.plusSeconds(30)).setDurationMillis(30_000).build(), STARTED);
        var closed = charging.close(call, acme, state, T0.plusSeconds(30), 30_000, 200, HangupParty.CALLER, STARTED);

        assertThat(closed.cost()).isEqualByComparingTo("0.60");
    }

    @Test
    void shouldChargeALiveCallInWholeIncrementsAndSayOnlyWhenTheChargeMoves() {
        rate("default", "1", "1.00", "USD", 60, 60, "0.05");
        CallState call = apply(null, event("c1", CallEventType.RINGING, 0, T0).build(), STARTED);
        assertThat(CallCharging.chargeLive(state, call, call.durationMillis)).as("a new live call").isTrue();
        assertThat(CallCharging.chargeLive(state, call, call.durationMillis)).as("still ringing").isFalse();
        assertThat(state.liveCost()).isEqualByComparingTo("0");
        assertThat(state.livePerMinute()).isEqualByComparingTo("1.00");

        call = apply(call, event("c1", CallEventType.INTERIM, 1, T0.plusSeconds(30)).setAnsweredAt(T0).setDurationMillis(30_000)
                .build(), STARTED);
        assertThat(CallCharging.chargeLive(state, call, call.durationMillis)).isTrue();
        assertThat(state.liveCost()).as("fee and the first minute").isEqualByComparingTo("1.05");
        assertThat(CallCharging.chargeLive(state, call, 45_000)).as("within the same increment").isFalse();
        assertThat(CallCharging.chargeLive(state, call, 61_000)).isTrue();
        assertThat(state.liveCost()).isEqualByComparingTo("2.05");
        assertThat(state.balance()).isEqualByComparingTo("-2.05");
    }

    @Test
    void shouldRateAFinishedCallIntoItsCdrAndMoveItsChargeFromLiveToCharged() {
        rate("default", "1", "0.012", "USD", 6, 6, "0.05");
        CallState call = apply(null, event("c1", CallEventType.ANSWERED, 0, T0.plusSeconds(5)).build(), STARTED);
        CallCharging.chargeLive(state, call, 0);
        CallEvent ended = event("c1", CallEventType.ENDED, 0, T0.plusSeconds(15)).setEndedAt(T0.plusSeconds(15))
                .setDurationMillis(10_000).setSipStatus(200).setHangupBy(HangupParty.CALLER).build();
        call = apply(call, ended, STARTED);

        var closed = charging.close(call, acme, state, CallCharging.endedAt(ended), CallCharging.endedDuration(call, ended), 200,
                HangupParty.CALLER, STARTED + 20_000);

        RatedCdr cdr = closed.cdr();
        assertThat(closed.charged()).isTrue();
        assertThat(cdr.getBillableSeconds()).isEqualTo(12);
        assertThat(cdr.getCost()).isEqualByComparingTo("0.0524"); // 0.012 * 12 / 60 + 0.05
        assertThat(cdr.getDisposition()).isEqualTo(Disposition.ANSWERED);
        assertThat(cdr.getAnsweredAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(cdr.getRatedAt()).isEqualTo(Instant.ofEpochMilli(STARTED + 20_000));
        assertThat(state.live).isEmpty();
        assertThat(state.charged).isEqualByComparingTo("0.0524");
        assertThat(state.cdrCount).isEqualTo(1);
        assertThat(state.currency).isEqualTo("USD");
        assertThat(state.allowanceMonth).isEqualTo("2025-03");
        assertThat(state.allowanceSeconds).isEqualTo(12);
    }

    @Test
    void shouldCountAllowanceMinutesOnlyForTheLatestMonth() {
        rate("default", "1", "0.01", "USD", 60, 60, "0");
        state.allowanceMonth = "2025-04";
        state.allowanceSeconds = 120;
        CallState march = apply(null, event("late", CallEventType.ANSWERED, 0, T0).build(), STARTED); // a late call of March

        charging.close(march, acme, state, T0.plusSeconds(60), 60_000, 200, HangupParty.CALLER, STARTED);

        assertThat(state.allowanceMonth).isEqualTo("2025-04");
        assertThat(state.allowanceSeconds).isEqualTo(120);
    }

    @Test
    void shouldNotChargeAnAnsweredCallWithoutARateInTheBalancesCurrencyAndSayWhy() {
        rate("default", "1", "0.50", "EUR", 60, 60, "0");
        CallState call = apply(null, event("c1", CallEventType.ANSWERED, 0, T0).build(), STARTED);
        assertThat(call.rate).isNull();

        var closed = charging.close(call, acme, state, T0.plusSeconds(61), 61_000, 200, HangupParty.CALLER, STARTED);

        assertThat(closed.charged()).isFalse();
        assertThat(closed.uncharged()).startsWith("call c1 of acme was answered but not charged: rate default:1 is in EUR");
        assertThat(closed.cdr().getCost()).isEqualByComparingTo("0");
        assertThat(closed.cdr().getDeckId()).isNull();
        assertThat(closed.cdr().getBillableSeconds()).as("whole seconds, for usage").isEqualTo(61);
        assertThat(closed.currency()).isEqualTo("USD");
    }

    @Test
    void shouldRateInboundCallsAtZeroAndUnansweredCallsWithTheirDisposition() {
        CallState inbound = apply(null, event("in", CallEventType.ANSWERED, 0, T0).setDirection(Direction.INBOUND).build(), STARTED);
        var in = charging.close(inbound, acme, state, T0.plusSeconds(60), 60_000, 200, HangupParty.CALLER, STARTED);
        assertThat(in.charged()).isTrue();
        assertThat(in.cdr().getCost()).isEqualByComparingTo("0");
        assertThat(state.allowanceSeconds).as("inbound minutes are not the allowance's").isZero();

        CallState busy = apply(null, event("busy", CallEventType.ATTEMPT, 0, T0).build(), STARTED);
        var failed = charging.close(busy, acme, state, T0.plusSeconds(5), 0, 486, HangupParty.CALLEE, STARTED);
        assertThat(failed.cdr().getDisposition()).isEqualTo(Disposition.BUSY);
        assertThat(failed.cdr().getAnsweredAt()).isNull();
        assertThat(failed.cdr().getDurationMillis()).isZero();
        assertThat(state.cdrCount).isEqualTo(2);
    }

    @Test
    void shouldCloseWithTheLongestDurationAnyEventReported() {
        CallState call = apply(null, event("c1", CallEventType.INTERIM, 3, T0).setAnsweredAt(T0).setDurationMillis(90_000).build(),
                STARTED);
        CallEvent endedWithout = event("c1", CallEventType.ENDED, 0, T0.plusSeconds(100)).setEndedAt(T0.plusSeconds(100)).build();
        assertThat(CallCharging.endedDuration(call, endedWithout)).as("from answer to end").isEqualTo(100_000);
        CallEvent endedShort = event("c1", CallEventType.ENDED, 0, T0.plusSeconds(100)).setDurationMillis(60_000).build();
        assertThat(CallCharging.endedDuration(call, endedShort)).as("an INTERIM said more").isEqualTo(90_000);
        CallEvent expired = event("c1", CallEventType.ENDED, 0, T0.plusSeconds(100)).setDurationMillis(50_000)
                .setEndedAt(T0.plusSeconds(50)).build();
        assertThat(CallCharging.endedDuration(call, expired))
                .as("a session timer's end: the last proof of life, not the INTERIMs after it").isEqualTo(50_000);
        assertThat(CallCharging.ends(endedShort)).isTrue();
        assertThat(CallCharging.ends(event("c1", CallEventType.FAILED, 0, T0).build())).isTrue();
        assertThat(CallCharging.ends(event("c1", CallEventType.INTERIM, 1, T0).build())).isFalse();
    }

    @Test
    void shouldRefuseEventsBillingCannotUse() {
        assertThatThrownBy(() -> CallCharging.eventId(event(" ", CallEventType.ENDED, 0, T0).build()))
                .isInstanceOf(BadRecordException.class).hasMessage("call event without a call id");
        assertThatThrownBy(() -> CallCharging.eventId(event("c1", CallEventType.ENDED, 0, T0)
                .setDurationMillis(CallCharging.MAX_CALL_MILLIS + 1).build()))
                .isInstanceOf(BadRecordException.class).hasMessageContaining("has durationMillis");
        CallState call = apply(null, event("c1", CallEventType.ANSWERED, 0, T0).build(), STARTED);
        CallEvent endsInAYear = event("c1", CallEventType.ENDED, 0, T0).setEndedAt(T0.plus(Duration.ofDays(365))).build();
        assertThatThrownBy(() -> CallCharging.endedDuration(call, endsInAYear)).isInstanceOf(BadRecordException.class)
                .hasMessageContaining("more than 48 h");
        assertThat(CallCharging.eventId(event("c1", CallEventType.INTERIM, 4, T0).setEventId("").build()))
                .as("an event without an id").isEqualTo("c1:INTERIM:4");
    }

    @Test
    void shouldRefuseToOpenACallThatStartedBeforeTheClosedCallRetention() {
        long now = STARTED + Duration.ofDays(8).toMillis();
        String refusal = charging.refusalToOpen("acme", event("old", CallEventType.ENDED, 0, T0.plusSeconds(60)).build(), now);
        assertThat(refusal).startsWith("late ENDED of call old of acme: the call started at " + T0)
                .contains("billing.closed.call.retention (PT168H)");
        assertThat(charging.refusalToOpen("acme", event("new", CallEventType.ENDED, 0, T0).build(), STARTED)).isNull();
    }

    @Test
    void shouldChargeASilentCallAsRunningOnAfterTheGraceAndCloseItAsAGhostAfterTheMaxAge() {
        CallState call = apply(null, event("c1", CallEventType.INTERIM, 1, T0).setAnsweredAt(T0).setDurationMillis(30_000).build(),
                STARTED);
        long minute = 60_000;

        assertThat(charging.silence(call, STARTED + minute)).isEqualTo(new CallCharging.Heard());
        assertThat(charging.silence(call, STARTED + 3 * minute)).isEqualTo(new CallCharging.RunsOn(30_000 + 3 * minute));
        assertThat(charging.silence(call, STARTED + 61 * minute)).isEqualTo(new CallCharging.Ghost(30_000 + 61 * minute));

        CallState ringing = apply(null, event("c2", CallEventType.RINGING, 0, T0).build(), STARTED);
        assertThat(charging.silence(ringing, STARTED + 3 * minute)).as("unanswered: nothing to charge")
                .isEqualTo(new CallCharging.RunsOn(0));
    }

    @Test
    void shouldNotCallAnyCallSilentWithinAGraceOfTheStartWhileTheBacklogIsRead() {
        CallCharging justStarted = new CallCharging(new RateLookup(rates::get), Duration.ofMinutes(2), Duration.ofHours(1),
                Duration.ofDays(7), STARTED + Duration.ofHours(2).toMillis());
        CallState call = apply(null, event("c1", CallEventType.ANSWERED, 0, T0).build(), STARTED);

        assertThat(justStarted.silence(call, STARTED + Duration.ofHours(2).plusMinutes(1).toMillis())).isEqualTo(new CallCharging.Heard());
        assertThat(justStarted.silence(call, STARTED + Duration.ofHours(2).plusMinutes(3).toMillis()))
                .isInstanceOf(CallCharging.Ghost.class);
    }
}
