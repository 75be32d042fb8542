package io.sipstream.billing;

import io.sipstream.avro.Account;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.HangupParty;
import io.sipstream.avro.Rate;
import io.sipstream.avro.RatedCdr;
import io.sipstream.avro.Usage;
import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.blocks.MonthlyReset;
import io.sipstream.billing.calls.CallCharging;
import io.sipstream.billing.calls.CallState;
import io.sipstream.billing.cdrs.CdrArchive;
import io.sipstream.billing.inputs.AccountKeys;
import io.sipstream.billing.retention.Purge;
import io.sipstream.billing.state.StoreState;
import io.sipstream.billing.usage.UsageLedger;
import io.sipstream.billing.usage.UsagePublication;
import io.sipstream.rating.RateLookup;
import io.sipstream.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * call.events: each new event of a call goes to {@link CallCharging}; a live call's charge updates
 * the balance, a finished call's CDR goes to billing.cdrs, the {@link CdrArchive} and the
 * {@link UsageLedger}. Late events of finished calls and repeated events are ignored; an event of
 * a call forgotten long ago, and an answered call billing could not charge, are dead-lettered.
 *
 * <p>A wall-clock punctuator charges live calls the edge stopped reporting on (as if they still
 * ran), closes ghost calls after the maximum age, runs the retention {@link Purge} and, in a new
 * month, decides every account's block again. Another sends the usage windows {@link UsagePublication} held back.
 */
final class CallEventsProcessor implements Processor<String, CallEvent, String, Object> {
    private static final Logger log = LoggerFactory.getLogger(CallEventsProcessor.class);

    private final BillingConfig config;
    private Ledger ledger;
    private Serializer<CallEvent> eventSerializer;
    private WindowStore<String, Long> closedCalls;
    private CallCharging charging;
    private UsageLedger usage;
    private UsagePublication usagePublication;
    private CdrArchive archive;
    private Purge purge;
    private MonthlyReset monthlyReset;

    CallEventsProcessor(BillingConfig config) { this.config = config; }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        ledger = new Ledger(context, config);
        eventSerializer = Topics.CALL_EVENTS.valueSerde(config.kafka().serdes()).serializer();
        closedCalls = context.getStateStore(StoreNames.CLOSED_CALLS);
        KeyValueStore<String, Rate> rates = context.getStateStore(StoreNames.RATES);
        long startedWall = context.currentSystemTimeMs();
        charging = new CallCharging(new RateLookup(rates::get), config.interimGrace(), config.maxCallAge(),
                config.closedCallRetention(), startedWall);
        StoreState<Usage> usageStore = StoreState.of(context.getStateStore(StoreNames.USAGE));
        StoreState<RatedCdr> cdrStore = StoreState.of(context.getStateStore(StoreNames.CDRS));
        usage = new UsageLedger(usageStore, ledger.expiry, config.retention());
        usagePublication = new UsagePublication(usageStore, config.usagePublishInterval(),
                (key, window, timestamp) -> ledger.forward(key, window, timestamp, BillingTopology.USAGE_SINK));
        try (KeyValueIterator<String, BalanceState> it = ledger.balances.all()) { // marks committed before a restart
            while (it.hasNext()) {
                var balance = it.next();
                if (!balance.value.unpublishedUsageHours.isEmpty()) usagePublication.remember(balance.key);
            }
        }
        archive = new CdrArchive(cdrStore, ledger.expiry, config.retention());
        purge = new Purge(ledger.expiry, config.retention(), config.closedCallRetention(), new Purge.Stores(cdrStore,
                StoreState.of(ledger.balances), usageStore, StoreState.of(ledger.receipts), StoreState.of(ledger.endedCalls)));
        monthlyReset = new MonthlyReset(startedWall);
        context.schedule(config.punctuateInterval(), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
        context.schedule(config.usagePublishInterval(), PunctuationType.WALL_CLOCK_TIME,
                now -> usagePublication.flush(StoreState.of(ledger.balances), now));
    }

    @Override
    public void process(Record<String, CallEvent> record) {
        CallEvent event = record.value();
        if (event == null) return; // a tombstone means nothing here
        String id = AccountKeys.accountId(record.key(), event.getAccountId(), "call event");
        String eventId = CallCharging.eventId(event);
        String callKey = CallState.key(id, event.getCallId());
        CallState call = ledger.calls.get(callKey);
        // a live call is not a finished one: only an event of a call billing has no state of asks
        if (call == null && finished(callKey, ledger.context.currentSystemTimeMs())) {
            log.debug("late {} of finished call {}: ignored", event.getType(), event.getCallId());
            return;
        }
        if (call != null && call.seenEvents.contains(eventId)) {
            log.debug("duplicate event {}: ignored", eventId);
            return;
        }
        long now = ledger.context.currentSystemTimeMs();
        if (call == null) {
            String refusal = charging.refusalToOpen(id, event, now);
            if (refusal != null) {
                log.warn(refusal);
                ledger.deadLetter(Topics.CALL_EVENTS.name(), id, eventSerializer.serialize(Topics.CALL_EVENTS.name(), event),
                        refusal, now);
                return;
            }
        }
        Account account = ledger.account(id);
        BalanceState state = ledger.balance(id);
        call = charging.apply(id, call, event, eventId, account, state, now);
        if (CallCharging.ends(event)) {
            close(call, account, state, CallCharging.endedAt(event), CallCharging.endedDuration(call, event), event.getSipStatus(),
                    event.getHangupBy(), record.timestamp(), now, event);
        } else {
            boolean changed = CallCharging.chargeLive(state, call, call.durationMillis);
            ledger.calls.put(callKey, call);
            ledger.publish(id, account, state, changed, record.timestamp(), now);
        }
    }

    /** Rates the call, publishes its CDR and usage, stores the CDR and remembers the call as finished. */
    private void close(CallState call, Account account, BalanceState state, Instant endedAt, long durationMillis, int sipStatus,
                       HangupParty hangupBy, long timestamp, long now, CallEvent source) {
        String id = call.accountId;
        CallCharging.Closed closed = charging.close(call, account, state, endedAt, durationMillis, sipStatus, hangupBy, now);
        // an anchored call's media diagnostics go from its closing event into its CDR as the edge wrote them
        if (source != null && source.getMedia() != null) closed.cdr().setMedia(source.getMedia());
        usagePublication.changed(id, state, closed.cdr().getStartedAt(),
                usage.add(id, closed.cdr(), closed.currency(), closed.cost(), now), timestamp, now);
        archive.store(id, state, closed.cdr(), now);
        ledger.forward(id, closed.cdr(), timestamp, BillingTopology.CDRS_SINK);

        String callKey = CallState.key(id, call.callId);
        ledger.calls.put(callKey, null); // a delete, without reading and decoding the value it drops
        closedCalls.put(callKey, now, now);
        ledger.publish(id, account, state, true, timestamp, now);

        if (!closed.charged()) {
            log.warn(closed.uncharged());
            ledger.deadLetter(Topics.CALL_EVENTS.name(), id,
                    source == null ? null : eventSerializer.serialize(Topics.CALL_EVENTS.name(), source), closed.uncharged(), now);
        }
    }

    /** Whether the call ended within {@code billing.closed.call.retention}. */
    private boolean finished(String callKey, long now) {
        try (WindowStoreIterator<Long> ended = closedCalls.fetch(callKey, now - config.closedCallRetention().toMillis(),
                Long.MAX_VALUE)) { // no upper bound: the wall clock may have stepped back since
            if (ended.hasNext()) return true;
        }
        return ledger.endedCalls.get(callKey) != null; // ended before the window store, and not yet purged
    }

    // ---- wall clock

    private void punctuate(long now) {
        List<CallState> open = new ArrayList<>();
        try (KeyValueIterator<String, CallState> it = ledger.calls.all()) {
            while (it.hasNext()) open.add(it.next().value);
        }
        purge.run(now);

        Set<String> touched = new LinkedHashSet<>();
        for (CallState call : open) {
            switch (charging.silence(call, now)) {
                case CallCharging.Heard heard -> { }
                case CallCharging.Ghost ghost -> {
                    log.warn("closing ghost call {} of {}: open for {}, not heard of for {}", call.callId, call.accountId,
                            Duration.ofMillis(now - call.openedWall), Duration.ofMillis(now - call.lastHeardWall));
                    close(call, ledger.account(call.accountId), ledger.balance(call.accountId), Instant.ofEpochMilli(now),
                            ghost.estimatedMillis(), call.sipStatus, HangupParty.SYSTEM, now, now, null);
                }
                case CallCharging.RunsOn runsOn -> {
                    BalanceState state = ledger.balance(call.accountId);
                    if (CallCharging.chargeLive(state, call, runsOn.estimatedMillis())) { // moves once an increment
                        ledger.balances.put(call.accountId, state);
                        touched.add(call.accountId);
                    }
                }
            }
        }
        for (String accountId : touched) {
            ledger.publish(accountId, ledger.account(accountId), ledger.balance(accountId), false, now, now);
        }

        if (monthlyReset.turned(now)) { // allowances start again
            List<String> ids = new ArrayList<>();
            try (KeyValueIterator<String, BalanceState> it = ledger.balances.all()) {
                while (it.hasNext()) ids.add(it.next().key);
            }
            for (String id : ids) ledger.publish(id, ledger.account(id), ledger.balance(id), false, now, now);
        }
    }
}
