package io.sipstream.router.topology;

import io.sipstream.avro.Account;
import io.sipstream.avro.CallEvent;
import io.sipstream.router.channels.Seat;
import io.sipstream.router.channels.TrunkClaim;
import io.sipstream.router.channels.TrunkLimits;
import io.sipstream.router.channels.TrunkSeats;
import io.sipstream.router.limits.CallLimiter;
import io.sipstream.router.limits.LiveCall;
import io.sipstream.router.limits.RateWindow;
import io.sipstream.router.prepaid.Reservations;
import io.sipstream.schemas.Topics;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * Follows call.events (keyed by account, like the attempts) into the live-call store the limits
 * count, into the trunks' channel count (the claims it forwards, see {@link TrunkSeats}), and ends
 * the prepaid holds of calls that end ({@link Reservations}). Only accounts with a concurrent-call
 * limit are tracked: every tracked event is a store write and a changelog record, and at 4-5 events
 * a call that was a fifth of the broker's load for accounts that have nothing to count.
 *
 * <p>Events arrive as bytes and are decoded only when the keyed account has a concurrency limit,
 * still has tracked calls (its limit was removed while they were up: their end must remove them)
 * or has calls holding part of its prepaid balance, or when some trunk has a channel limit or a
 * call of the account holds a seat on one. An event of any other account is skipped unread, so for
 * those accounts the router no longer notices an unreadable value, a tombstone or an event keyed by
 * another account: billing reads the same records and dead-letters them (an event read only for the
 * trunks' count is skipped alike). For an event of a tracked account an unreadable value still goes
 * to dead.letters, now through the processing exception handler instead of the deserialization one.
 */
final class CallEventTracker implements Processor<String, byte[], String, TrunkClaim> {
    private final RouterOptions options;
    private final Deserializer<CallEvent> events;
    private ProcessorContext<String, TrunkClaim> context;
    private CallLimiter limiter;
    private TrunkSeats seats;
    private TrunkLimits trunks;
    private KeyValueStore<String, ValueAndTimestamp<Account>> accounts;
    private Reservations reservations;

    CallEventTracker(RouterOptions options, Deserializer<CallEvent> events) {
        this.options = options;
        this.events = events;
    }

    @Override
    public void init(ProcessorContext<String, TrunkClaim> context) {
        this.context = context;
        KeyValueStore<String, LiveCall> live = context.getStateStore(RouterTopology.LIVE_CALLS_STORE);
        KeyValueStore<String, RateWindow> rates = context.getStateStore(RouterTopology.CALL_RATES_STORE);
        limiter = new CallLimiter(live, rates, options.pendingMaxAge(), options.liveMaxAge());
        KeyValueStore<String, Seat> seatStore = context.getStateStore(RouterTopology.TRUNK_SEATS_STORE);
        trunks = new TrunkLimits(context.getStateStore(RouterTopology.TRUNKS_STORE));
        seats = new TrunkSeats(seatStore, trunks, options.pendingMaxAge(), options.liveMaxAge());
        accounts = context.getStateStore(RouterTopology.ACCOUNTS_STORE);
        reservations = new Reservations(context.getStateStore(RouterTopology.RESERVATIONS_STORE), options.pendingMaxAge());
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String accountId = record.key();
        long now = context.currentSystemTimeMs();
        boolean limited = false;
        if (accountId != null) { // a record without key is read, to be dead-lettered as before
            ValueAndTimestamp<Account> account = accounts.get(accountId);
            limited = account != null && account.value().getMaxConcurrentCalls() > 0;
            if (!limited && !limiter.tracksCallsOf(accountId) && !reservations.holdsCallsOf(accountId)) {
                if (trunks.anyLimited(now) || seats.seatsCallsOf(accountId)) claim(readForTrunks(accountId, record.value()), record, now);
                return;
            }
        }
        CallEvent event = Attempts.valid(accountId, events.deserialize(Topics.CALL_EVENTS.name(), record.value()));
        limiter.onEvent(event, now, limited);
        reservations.onEvent(event);
        claim(event, record, now);
    }

    /** An event of an account the limits do not track, read for the trunks' count only: unreadable, it is skipped. */
    private CallEvent readForTrunks(String accountId, byte[] value) {
        try {
            return Attempts.valid(accountId, events.deserialize(Topics.CALL_EVENTS.name(), value));
        } catch (RuntimeException e) {
            return null;
        }
    }

    private void claim(CallEvent event, Record<String, byte[]> record, long now) {
        if (event == null) return;
        for (TrunkSeats.Claim claim : seats.onEvent(event, now)) {
            context.forward(new Record<>(claim.trunkId(), claim.claim(), record.timestamp()));
        }
    }
}
