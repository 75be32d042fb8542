package io.sipstream.billing.calls;

import io.sipstream.avro.Account;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Direction;
import io.sipstream.avro.HangupParty;
import io.sipstream.avro.RatedCdr;
import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.balances.LiveCharge;
import io.sipstream.billing.blocks.BlockPolicy;
import io.sipstream.billing.cdrs.Dispositions;
import io.sipstream.billing.inputs.BadRecordException;
import io.sipstream.rating.RateLookup;
import io.sipstream.rating.RateSnapshot;
import io.sipstream.rating.Rating;
import io.sipstream.schemas.Money;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

/**
 * The money rules of a call: merges its events (in whatever order they come) into its
 * {@link CallState}, fixes its rate when it is first seen, charges the balance for it while it runs
 * (from INTERIM, or as if it ran on while nobody reports on it) and, when it ends, rates it into
 * its CDR and moves its charge from live to charged, counting its minutes against the month's
 * allowance. What is stored and published is the processor's business.
 */
public final class CallCharging {
    /** No real call lasts two days; a longer one is a broken clock or a forged event, never a charge. */
    public static final long MAX_CALL_MILLIS = Duration.ofHours(48).toMillis();

    /** A finished call: its CDR, what the balance was charged and in which currency. */
    public record Closed(RatedCdr cdr, BigDecimal cost, String currency, String uncharged) {
        /** Why an answered outbound call was not charged (no rate, or one in another currency): for a person to look at. */
        public boolean charged() { return uncharged == null; }
    }

    /** What the wall clock says of a live call: still heard of, charged as running on, or a ghost to close. */
    public sealed interface Silence permits Heard, RunsOn, Ghost {}

    public record Heard() implements Silence {}

    /** Not heard of for longer than the grace: charged as if it had run {@code estimatedMillis}. */
    public record RunsOn(long estimatedMillis) implements Silence {}

    /** Open longer than the maximum age and not heard of: closed now, with {@code estimatedMillis} answered. */
    public record Ghost(long estimatedMillis) implements Silence {}

    private final RateLookup rates;
    private final Duration interimGrace;
    private final Duration maxCallAge;
    private final Duration closedCallRetention;
    private final long startedWall;

    /**
     * @param startedWall when billing started (wall clock): for one grace after it no call counts as
     *                    silent, since the backlog may still hold their events
     */
    public CallCharging(RateLookup rates, Duration interimGrace, Duration maxCallAge, Duration closedCallRetention,
                        long startedWall) {
        this.rates = rates;
        this.interimGrace = interimGrace;
        this.maxCallAge = maxCallAge;
        this.closedCallRetention = closedCallRetention;
        this.startedWall = startedWall;
    }

    // ---- events

    /** The id an event is de-duplicated by, once it is known to be an event billing can use. */
    public static String eventId(CallEvent event) {
        if (event.getCallId() == null || event.getCallId().isBlank()) throw new BadRecordException("call event without a call id");
        if (event.getType() == null) throw new BadRecordException("call event " + event.getEventId() + " without a type");
        if (event.getDurationMillis() < 0 || event.getDurationMillis() > MAX_CALL_MILLIS) {
            throw new BadRecordException("call event " + event.getEventId() + " has durationMillis " + event.getDurationMillis()
                    + ", outside 0.." + MAX_CALL_MILLIS + " (48 h): not billed, kept here for a person to look at");
        }
        return event.getEventId() == null || event.getEventId().isBlank()
                ? event.getCallId() + ":" + event.getType() + ":" + event.getSequence() : event.getEventId();
    }

    /**
     * Why an event of a call billing does not know may not open it, or null when it may. A call that
     * started longer than the closed-call retention ago was billed and then forgotten, or its events
     * come from a backlog older than billing remembers: opening it would bill it a second time (the
     * ghost rule would close it).
     */
    public String refusalToOpen(String accountId, CallEvent event, long now) {
        Instant start = callStart(event);
        if (start == null || start.toEpochMilli() >= now - closedCallRetention.toMillis()) return null;
        return "late " + event.getType() + " of call " + event.getCallId() + " of " + accountId + ": the call started at "
                + start + ", longer than billing.closed.call.retention (" + closedCallRetention
                + ") ago, and billing no longer knows it; it is not billed (again): re-rate it by hand if it never was";
    }

    /**
     * Applies a new event to its call ({@code call} null: the first event billing sees of it, which
     * opens it), and fixes the call's rate once it has a destination.
     */
    public CallState apply(String accountId, CallState call, CallEvent event, String eventId, Account account, BalanceState state,
                           long now) {
        if (call == null) call = open(accountId, event, now);
        merge(call, event);
        if (event.getEmergency() && !emergency(call)) {
            call.rate = new RateSnapshot(EMERGENCY_DECK, null, Money.ZERO, Money.ZERO, state.billedIn(account), 1, 1);
            call.unrated = null;
        }
        ensureRate(call, account, state);
        call.seenEvents.add(eventId);
        call.lastHeardWall = now;
        return call;
    }

    public static boolean ends(CallEvent event) {
        return event.getType() == CallEventType.ENDED || event.getType() == CallEventType.FAILED;
    }

    /**
     * The answered time an ending event closes its call with: the longest any event reported, unless the
     * edge found out about the end after it happened (a session timer that expired: endedAt, the peer's
     * last proof of life, is before the event's time). INTERIMs sent in between counted time nobody was
     * on the call, and the ENDED's own duration is the one to bill.
     */
    public static long endedDuration(CallState call, CallEvent event) {
        long duration = event.getDurationMillis();
        if (duration <= 0 && call.answeredAt != null && event.getEndedAt() != null) {
            duration = Math.max(0, event.getEndedAt().toEpochMilli() - call.answeredAt);
        }
        boolean endedEarlier = event.getEndedAt() != null && event.getOccurredAt() != null
                && event.getEndedAt().isBefore(event.getOccurredAt()) && event.getDurationMillis() > 0;
        if (!endedEarlier) duration = Math.max(duration, call.durationMillis);
        if (duration > MAX_CALL_MILLIS) {
            throw new BadRecordException("call " + call.callId + " would last " + duration + " ms (answered "
                    + call.answeredAt + ", ended " + event.getEndedAt() + "), more than 48 h: not billed");
        }
        return duration;
    }

    public static Instant endedAt(CallEvent event) {
        return event.getEndedAt() != null ? event.getEndedAt() : event.getOccurredAt();
    }

    private static Instant callStart(CallEvent event) {
        return event.getStartedAt() != null ? event.getStartedAt() : event.getOccurredAt();
    }

    private static CallState open(String accountId, CallEvent event, long now) {
        CallState call = new CallState();
        call.callId = event.getCallId();
        call.accountId = accountId;
        call.direction = (event.getDirection() == null ? Direction.OUTBOUND : event.getDirection()).name();
        call.startedAt = callStart(event).toEpochMilli();
        call.openedWall = now;
        return call;
    }

    /**
     * The rate of an emergency call (the router's verdict said so, and the edge's events carry it): zero
     * whatever the deck says. Kept in the call's state as a rate of a deck no registry id can name, so
     * the state's format stays as it was and the call is known as an emergency call when it closes.
     */
    static final String EMERGENCY_DECK = "(emergency)";

    static boolean emergency(CallState call) { return call.rate != null && EMERGENCY_DECK.equals(call.rate.deckId()); }

    private static void merge(CallState call, CallEvent event) {
        // events sent before the verdict (ATTEMPT) know neither; later events carry the routed values
        if (event.getCallerId() != null) call.callerId = event.getCallerId();
        if (event.getDestination() != null) call.destination = event.getDestination();
        if (event.getTrunkId() != null) call.trunkId = event.getTrunkId();
        if (event.getStartedAt() != null) call.startedAt = Math.min(call.startedAt, event.getStartedAt().toEpochMilli());
        if (event.getAnsweredAt() != null) call.answeredAt = event.getAnsweredAt().toEpochMilli();
        else if (event.getType() == CallEventType.ANSWERED && call.answeredAt == null) {
            call.answeredAt = event.getOccurredAt().toEpochMilli();
        }
        if (event.getType() == CallEventType.INTERIM || event.getType() == CallEventType.ANSWERED) {
            call.durationMillis = Math.max(call.durationMillis, event.getDurationMillis());
        }
        if (event.getSipStatus() != 0) call.sipStatus = event.getSipStatus();
    }

    /** The rate is fixed when an outbound call is first rated: a deck replaced meanwhile does not change it. */
    private void ensureRate(CallState call, Account account, BalanceState state) {
        if (call.rate != null || !outbound(call)) return;
        RateLookup.Result result = rates.find(account.getRateDeckId(), call.destination, state.billedIn(account));
        call.rate = result.rate();
        call.unrated = result.refusal();
    }

    // ---- live calls

    /** Sets what a live call costs so far, had it run {@code durationMillis} answered; false when the balance held that already. */
    public static boolean chargeLive(BalanceState state, CallState call, long durationMillis) {
        LiveCharge charge = liveCharge(call, durationMillis);
        LiveCharge before = state.live.put(call.callId, charge);
        // false for RINGING, or a silent call within its increment: an unchanged balance is not stored again
        return before == null || before.billableSeconds != charge.billableSeconds || before.outbound != charge.outbound
                || before.cost.compareTo(charge.cost) != 0 || before.pricePerMinute.compareTo(charge.pricePerMinute) != 0;
    }

    /** What a live call costs so far: the connection fee and its answered time in whole increments. */
    private static LiveCharge liveCharge(CallState call, long durationMillis) {
        RateSnapshot rate = call.rate;
        BigDecimal price = rate == null ? Money.ZERO : rate.pricePerMinute();
        if (!call.answered()) return new LiveCharge(price, Money.ZERO, 0, outbound(call));
        long billable = billable(call, durationMillis);
        BigDecimal cost = rate == null ? Money.ZERO : Rating.callCost(rate, billable);
        return new LiveCharge(price, cost, billable, outbound(call));
    }

    /** What the wall clock at {@code now} says of a live call. */
    public Silence silence(CallState call, long now) {
        long grace = interimGrace.toMillis();
        long silent = now - call.lastHeardWall;
        // right after a start the backlog may still hold the events of calls that look stale
        if (now - startedWall < grace || silent <= grace) return new Heard();
        // conservatively, the call runs on while nobody reports on it
        long estimated = call.answered() ? call.durationMillis + silent : 0;
        return now - call.openedWall > maxCallAge.toMillis() ? new Ghost(estimated) : new RunsOn(estimated);
    }

    // ---- finished calls

    /**
     * Rates a finished call into its CDR and charges the balance: the call leaves the live calls, its
     * cost joins the charges, the CDR counts, and an answered outbound call's billable seconds count
     * against the allowance of the month it started in.
     */
    public Closed close(CallState call, Account account, BalanceState state, Instant endedAt, long durationMillis, int sipStatus,
                        HangupParty hangupBy, long now) {
        boolean answered = call.answered() || durationMillis > 0;
        boolean outbound = outbound(call);
        boolean emergency = emergency(call);
        RateSnapshot rate = call.rate;
        long billable = answered ? billable(call, durationMillis) : 0;
        BigDecimal cost = answered && rate != null ? Rating.callCost(rate, billable) : Money.ZERO;
        String currency = rate != null ? rate.currency() : state.billedIn(account);
        int status = sipStatus != 0 ? sipStatus : call.sipStatus;
        HangupParty by = hangupBy == null ? HangupParty.UNKNOWN : hangupBy;
        RatedCdr cdr = RatedCdr.newBuilder()
                .setCallId(call.callId)
                .setAccountId(call.accountId)
                .setDirection(Direction.valueOf(call.direction))
                .setCallerId(call.callerId)
                .setDestination(call.destination)
                .setTrunkId(call.trunkId)
                .setStartedAt(Instant.ofEpochMilli(call.startedAt))
                .setAnsweredAt(answered && call.answeredAt != null ? Instant.ofEpochMilli(call.answeredAt) : null)
                .setEndedAt(endedAt)
                .setDurationMillis(answered ? durationMillis : 0)
                .setBillableSeconds(billable)
                .setDeckId(rate == null || emergency ? null : rate.deckId())
                .setRatePrefix(rate == null ? null : rate.prefix())
                .setPricePerMinute(rate == null ? Money.ZERO : Money.of(rate.pricePerMinute()))
                .setConnectionFee(answered && rate != null ? Money.of(rate.connectionFee()) : Money.ZERO)
                .setCost(Money.of(cost))
                .setCurrency(currency)
                .setDisposition(Dispositions.of(answered, status, by))
                .setSipStatus(status)
                .setHangupBy(by)
                .setRatedAt(Instant.ofEpochMilli(now))
                .setEmergency(emergency)
                .build();

        if (state.currency == null) state.currency = currency;
        state.charged = Money.of(state.charged.add(cost));
        state.live.remove(call.callId);
        state.cdrCount++;
        if (outbound && answered && !emergency) { // an emergency call spends no minutes of the allowance
            String month = BlockPolicy.month(Instant.ofEpochMilli(call.startedAt));
            if (state.allowanceMonth == null || month.compareTo(state.allowanceMonth) > 0) {
                state.allowanceMonth = month;
                state.allowanceSeconds = billable;
            } else if (month.equals(state.allowanceMonth)) {
                state.allowanceSeconds += billable;
            }
        }
        String uncharged = outbound && answered && rate == null
                ? "call " + call.callId + " of " + call.accountId + " was answered but not charged: " + call.unrated : null;
        return new Closed(cdr, cost, currency, uncharged);
    }

    private static long billable(CallState call, long durationMillis) {
        if (call.rate != null) return Rating.billableSeconds(durationMillis, call.rate.firstIncrement(), call.rate.nextIncrement());
        return Rating.billableSeconds(durationMillis, 1, 1); // inbound and unrated calls: their seconds, for usage
    }

    private static boolean outbound(CallState call) { return Direction.OUTBOUND.name().equals(call.direction); }
}
