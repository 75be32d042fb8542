package io.sipstream.billing;

import io.sipstream.avro.Account;
import io.sipstream.avro.BlockDecision;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.CreditChange;
import io.sipstream.avro.DeadLetter;
import io.sipstream.avro.Direction;
import io.sipstream.avro.HangupParty;
import io.sipstream.avro.Rate;
import io.sipstream.avro.RatedCdr;
import io.sipstream.avro.Usage;
import io.sipstream.avro.UsagePeriod;
import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.balances.CreditReceipt;
import io.sipstream.billing.balances.LiveCharge;
import io.sipstream.billing.blocks.BlockPolicy;
import io.sipstream.billing.calls.CallState;
import io.sipstream.billing.cdrs.CdrKeys;
import io.sipstream.billing.cdrs.Dispositions;
import io.sipstream.billing.retention.ExpiryIndex;
import io.sipstream.billing.retention.Retention;
import io.sipstream.billing.usage.UsageWindows;
import io.sipstream.platform.deadletter.DeadLetters;
import io.sipstream.rating.AccountCurrency;
import io.sipstream.rating.RateLookup;
import io.sipstream.rating.RateSnapshot;
import io.sipstream.rating.Rating;
import io.sipstream.schemas.Money;
import io.sipstream.schemas.Topics;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The billing of one account partition: reads call.events, billing.credits and registry.accounts
 * (co-partitioned by account id), keeps every account's calls, balance, usage and CDRs in its
 * stores, and writes CDRs, usage windows and block decisions. Under exactly_once_v2 the store
 * writes, the outputs and the input offsets commit together, so a replay after a crash neither
 * charges twice nor drops a charge.
 *
 * <p>A wall-clock punctuator charges live calls the edge stopped reporting on (as if they still
 * ran), closes ghost calls after the maximum age and forgets, in bounded batches found through the
 * {@link ExpiryIndex}, finished calls, CDRs, usage windows and credit idempotency keys after their
 * retention (the deletes reach the changelogs as tombstones; the output topics keep everything).
 */
public final class BillingProcessor implements Processor<String, Object, String, Object> {
    private static final Logger log = LoggerFactory.getLogger(BillingProcessor.class);

    public static final String CDRS_SINK = "cdrs-sink";
    public static final String USAGE_SINK = "usage-sink";
    public static final String BLOCKS_SINK = "blocks-sink";
    public static final String DEAD_LETTERS_SINK = "dead-letters-sink";

    /** A record billing cannot use; the processing exception handler dead-letters it. */
    /** No real call lasts two days; a longer one is a broken clock or a forged event, never a charge. */
    static final long MAX_CALL_MILLIS = java.time.Duration.ofHours(48).toMillis();

    public static final class BadRecordException extends RuntimeException {
        public BadRecordException(String message) { super(message); }
    }

    private final BillingConfig config;
    private Serializer<CallEvent> eventSerializer;
    private Serializer<CreditChange> creditSerializer;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, Rate> rates;
    private KeyValueStore<String, Account> accounts;
    private KeyValueStore<String, BalanceState> balances;
    private KeyValueStore<String, CallState> calls;
    private KeyValueStore<String, Long> endedCalls;
    private KeyValueStore<String, CreditReceipt> receipts;
    private KeyValueStore<String, Usage> usage;
    private KeyValueStore<String, RatedCdr> cdrs;
    private ExpiryIndex expiry;
    private RateLookup lookup;
    private long startedWall;
    private String lastMonth;

    public BillingProcessor(BillingConfig config) {
        this.config = config;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        eventSerializer = Topics.CALL_EVENTS.valueSerde(config.kafka().serdes()).serializer();
        creditSerializer = Topics.BILLING_CREDITS.valueSerde(config.kafka().serdes()).serializer();
        rates = context.getStateStore(StoreNames.RATES);
        accounts = context.getStateStore(StoreNames.ACCOUNTS);
        balances = context.getStateStore(StoreNames.BALANCES);
        calls = context.getStateStore(StoreNames.CALLS);
        endedCalls = context.getStateStore(StoreNames.ENDED_CALLS);
        receipts = context.getStateStore(StoreNames.CREDIT_RECEIPTS);
        usage = context.getStateStore(StoreNames.USAGE);
        cdrs = context.getStateStore(StoreNames.CDRS);
        expiry = new ExpiryIndex(context.getStateStore(StoreNames.EXPIRY));
        lookup = new RateLookup(rates::get);
        startedWall = context.currentSystemTimeMs();
        lastMonth = BlockPolicy.month(Instant.ofEpochMilli(startedWall));
        context.schedule(config.punctuateInterval(), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    @Override
    public void process(Record<String, Object> record) {
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse("");
        Object value = record.value();
        if (topic.equals(Topics.REGISTRY_ACCOUNTS.name()) || value instanceof Account) {
            onAccount(record, (Account) value);
        } else if (value instanceof CreditChange credit) {
            onCredit(record, credit);
        } else if (value instanceof CallEvent event) {
            onCallEvent(record, event);
        } else if (value != null) {
            throw new BadRecordException("unexpected " + value.getClass().getSimpleName() + " on " + topic);
        } // a tombstone on call.events or billing.credits means nothing
    }

    // ---- accounts

    private void onAccount(Record<String, Object> record, Account account) {
        String id = record.key();
        if (id == null) throw new BadRecordException("account record without a key");
        long now = context.currentSystemTimeMs();
        if (account == null) {
            accounts.delete(id);
            context.forward(new Record<String, Object>(id, null, record.timestamp()), BLOCKS_SINK);
            BalanceState state = balances.get(id);
            if (state != null) {
                state.lastDecision = null;
                balances.put(id, state);
            }
            return;
        }
        accounts.put(id, account);
        publish(id, account, state(id), false, record.timestamp(), now);
    }

    // ---- credits

    private void onCredit(Record<String, Object> record, CreditChange credit) {
        String id = accountKey(record.key(), credit.getAccountId(), "credit");
        if (credit.getIdempotencyKey() == null || credit.getIdempotencyKey().isBlank()) {
            throw new BadRecordException("credit for " + id + " has no idempotency key");
        }
        if (credit.getAmount() == null || credit.getCurrency() == null) {
            throw new BadRecordException("credit " + credit.getIdempotencyKey() + " for " + id + " has no amount or currency");
        }
        String receiptKey = CreditReceipt.key(id, credit.getIdempotencyKey());
        if (receipts.get(receiptKey) != null) {
            log.debug("credit {} of {} already applied: ignored", credit.getIdempotencyKey(), id);
            return;
        }
        long now = context.currentSystemTimeMs();
        Account account = account(id);
        BalanceState state = state(id);
        String currency = currency(account, state);
        CreditReceipt receipt = new CreditReceipt();
        receipt.amount = Money.of(credit.getAmount());
        receipt.currency = credit.getCurrency();
        context.recordMetadata().ifPresent(m -> {
            receipt.partition = m.partition();
            receipt.offset = m.offset();
        });
        receipt.processedAt = now;
        if (!credit.getCurrency().equals(currency)) {
            receipt.applied = false;
            receipt.refusal = "credit in " + credit.getCurrency() + " refused: account " + id + " is billed in " + currency;
            receipts.put(receiptKey, receipt);
            expiry.add(ExpiryIndex.CREDIT_KEYS, now, receiptKey);
            deadLetter(Topics.BILLING_CREDITS.name(), id, creditSerializer.serialize(Topics.BILLING_CREDITS.name(), credit),
                    receipt.refusal, now);
            return;
        }
        receipt.applied = true;
        state.currency = currency;
        state.credits = Money.of(state.credits.add(credit.getAmount()));
        publish(id, account, state, true, record.timestamp(), now);
        // the REST API answers with the balance once it sees the receipt: the balance goes first
        receipts.put(receiptKey, receipt);
        expiry.add(ExpiryIndex.CREDIT_KEYS, now, receiptKey);
    }

    // ---- calls

    private void onCallEvent(Record<String, Object> record, CallEvent event) {
        String id = accountKey(record.key(), event.getAccountId(), "call event");
        if (event.getCallId() == null || event.getCallId().isBlank()) throw new BadRecordException("call event without a call id");
        if (event.getType() == null) throw new BadRecordException("call event " + event.getEventId() + " without a type");
        if (event.getDurationMillis() < 0 || event.getDurationMillis() > MAX_CALL_MILLIS) {
            throw new BadRecordException("call event " + event.getEventId() + " has durationMillis " + event.getDurationMillis()
                    + ", outside 0.." + MAX_CALL_MILLIS + " (48 h): not billed, kept here for a person to look at");
        }
        String eventId = event.getEventId() == null || event.getEventId().isBlank()
                ? event.getCallId() + ":" + event.getType() + ":" + event.getSequence() : event.getEventId();
        String callKey = CallState.key(id, event.getCallId());
        if (endedCalls.get(callKey) != null) {
            log.debug("late {} of finished call {}: ignored", event.getType(), event.getCallId());
            return;
        }
        CallState call = calls.get(callKey);
        if (call != null && call.seenEvents.contains(eventId)) {
            log.debug("duplicate event {}: ignored", eventId);
            return;
        }
        long now = context.currentSystemTimeMs();
        if (call == null && tooOldToOpen(event, now)) {
            String reason = "late " + event.getType() + " of call " + event.getCallId() + " of " + id + ": the call started at "
                    + callStart(event) + ", longer than billing.closed.call.retention (" + config.closedCallRetention()
                    + ") ago, and billing no longer knows it; it is not billed (again): re-rate it by hand if it never was";
            log.warn(reason);
            deadLetter(Topics.CALL_EVENTS.name(), id, eventSerializer.serialize(Topics.CALL_EVENTS.name(), event), reason, now);
            return;
        }
        Account account = account(id);
        BalanceState state = state(id);
        if (call == null) call = open(id, event, now);
        merge(call, event);
        ensureRate(call, account, state);
        call.seenEvents.add(eventId);
        call.lastHeardWall = now;
        if (event.getType() == CallEventType.ENDED || event.getType() == CallEventType.FAILED) {
            long duration = event.getDurationMillis();
            if (duration <= 0 && call.answeredAt != null && event.getEndedAt() != null) {
                duration = Math.max(0, event.getEndedAt().toEpochMilli() - call.answeredAt);
            }
            duration = Math.max(duration, call.durationMillis);
            if (duration > MAX_CALL_MILLIS) {
                throw new BadRecordException("call " + call.callId + " would last " + duration + " ms (answered "
                        + call.answeredAt + ", ended " + event.getEndedAt() + "), more than 48 h: not billed");
            }
            Instant endedAt = event.getEndedAt() != null ? event.getEndedAt() : event.getOccurredAt();
            close(call, account, state, endedAt, duration, event.getSipStatus(), event.getHangupBy(), record.timestamp(), now,
                    event);
        } else {
            boolean changed = setLive(state, call.callId, liveCharge(call, call.durationMillis));
            calls.put(callKey, call);
            publish(id, account, state, changed, record.timestamp(), now);
        }
    }

    /**
     * An event of a call billing does not know whose call started longer than the closed-call
     * retention ago: the call was billed and then forgotten, or its events come from a backlog older
     * than billing remembers. Opening it would bill it a second time (the ghost rule would close it).
     */
    private boolean tooOldToOpen(CallEvent event, long now) {
        Instant start = callStart(event);
        return start != null && start.toEpochMilli() < now - config.closedCallRetention().toMillis();
    }

    private static Instant callStart(CallEvent event) {
        return event.getStartedAt() != null ? event.getStartedAt() : event.getOccurredAt();
    }

    private CallState open(String accountId, CallEvent event, long now) {
        CallState call = new CallState();
        call.callId = event.getCallId();
        call.accountId = accountId;
        call.direction = (event.getDirection() == null ? Direction.OUTBOUND : event.getDirection()).name();
        call.startedAt = event.getStartedAt() != null ? event.getStartedAt().toEpochMilli() : event.getOccurredAt().toEpochMilli();
        call.openedWall = now;
        return call;
    }

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

    private void ensureRate(CallState call, Account account, BalanceState state) {
        if (call.rate != null || !Direction.OUTBOUND.name().equals(call.direction)) return;
        RateLookup.Result result = lookup.find(account.getRateDeckId(), call.destination, currency(account, state));
        call.rate = result.rate();
        call.unrated = result.refusal();
    }

    /** What a live call costs so far: the connection fee and its answered time in whole increments. */
    private static LiveCharge liveCharge(CallState call, long durationMillis) {
        boolean outbound = Direction.OUTBOUND.name().equals(call.direction);
        RateSnapshot rate = call.rate;
        BigDecimal price = rate == null ? Money.ZERO : rate.pricePerMinute();
        if (!call.answered()) return new LiveCharge(price, Money.ZERO, 0, outbound);
        long billable = billable(call, durationMillis);
        BigDecimal cost = rate == null ? Money.ZERO : Rating.callCost(rate, billable);
        return new LiveCharge(price, cost, billable, outbound);
    }

    private static long billable(CallState call, long durationMillis) {
        if (call.rate != null) return Rating.billableSeconds(durationMillis, call.rate.firstIncrement(), call.rate.nextIncrement());
        return Rating.billableSeconds(durationMillis, 1, 1);
    }

    private void close(CallState call, Account account, BalanceState state, Instant endedAt, long durationMillis,
                       int sipStatus, HangupParty hangupBy, long timestamp, long now, CallEvent source) {
        boolean answered = call.answered() || durationMillis > 0;
        boolean outbound = Direction.OUTBOUND.name().equals(call.direction);
        RateSnapshot rate = call.rate;
        long billable = answered ? billable(call, durationMillis) : 0;
        BigDecimal cost = answered && rate != null ? Rating.callCost(rate, billable) : Money.ZERO;
        String currency = rate != null ? rate.currency() : currency(account, state);
        int status = sipStatus != 0 ? sipStatus : call.sipStatus;
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
                .setDeckId(rate == null ? null : rate.deckId())
                .setRatePrefix(rate == null ? null : rate.prefix())
                .setPricePerMinute(rate == null ? Money.ZERO : Money.of(rate.pricePerMinute()))
                .setConnectionFee(answered && rate != null ? Money.of(rate.connectionFee()) : Money.ZERO)
                .setCost(Money.of(cost))
                .setCurrency(currency)
                .setDisposition(Dispositions.of(answered, status, hangupBy == null ? HangupParty.UNKNOWN : hangupBy))
                .setSipStatus(status)
                .setHangupBy(hangupBy == null ? HangupParty.UNKNOWN : hangupBy)
                .setRatedAt(Instant.ofEpochMilli(now))
                .build();

        String id = call.accountId;
        if (state.currency == null) state.currency = currency;
        state.charged = Money.of(state.charged.add(cost));
        state.live.remove(call.callId);
        state.cdrCount++;
        if (outbound && answered) {
            String month = BlockPolicy.month(Instant.ofEpochMilli(call.startedAt));
            if (state.allowanceMonth == null || month.compareTo(state.allowanceMonth) > 0) {
                state.allowanceMonth = month;
                state.allowanceSeconds = billable;
            } else if (month.equals(state.allowanceMonth)) {
                state.allowanceSeconds += billable;
            }
        }
        Instant nowInstant = Instant.ofEpochMilli(now);
        for (UsageWindows.Window window : UsageWindows.windowsOf(Instant.ofEpochMilli(call.startedAt))) {
            String key = UsageWindows.key(id, window.period(), window.start());
            if (expired(config.retention().usage(window.period()), window.end().toEpochMilli(), now)) {
                // the store no longer holds the window's sum: an update would overwrite it with this call alone
                log.warn("call {} of {} is not added to the {} window {}: the window is past its retention", call.callId, id,
                        window.period(), window.start());
                continue;
            }
            Usage current = usage.get(key);
            Usage updated = UsageWindows.add(current, id, window, cdr, currency, cost, nowInstant);
            usage.put(key, updated);
            if (current == null) expiry.add(ExpiryIndex.usageKind(window.period()), window.end().toEpochMilli(), key);
            context.forward(new Record<String, Object>(key, updated, timestamp), USAGE_SINK);
        }
        storeCdr(id, state, cdr, now);
        context.forward(new Record<String, Object>(id, cdr, timestamp), CDRS_SINK);

        String callKey = CallState.key(id, call.callId);
        calls.delete(callKey);
        endedCalls.put(callKey, now);
        expiry.add(ExpiryIndex.ENDED_CALLS, now, callKey);
        publish(id, account, state, true, timestamp, now);

        if (outbound && answered && rate == null) {
            String reason = "call " + call.callId + " of " + id + " was answered but not charged: " + call.unrated;
            log.warn(reason);
            deadLetter(Topics.CALL_EVENTS.name(), id,
                    source == null ? null : eventSerializer.serialize(Topics.CALL_EVENTS.name(), source), reason, now);
        }
    }

    /**
     * Keeps a CDR in the interactive store within its retention and the per-account cap: the oldest
     * CDRs of the account make room (a bounded number per call, should the cap have been lowered).
     */
    private void storeCdr(String accountId, BalanceState state, RatedCdr cdr, long now) {
        Retention retention = config.retention();
        long ended = cdr.getEndedAt().toEpochMilli();
        if (expired(retention.cdrs(), ended, now)) return; // on billing.cdrs only
        String key = CdrKeys.key(accountId, cdr.getEndedAt(), cdr.getCallId());
        if (cdrs.get(key) == null) state.storedCdrs++;
        cdrs.put(key, cdr);
        expiry.add(ExpiryIndex.CDRS, ended, key);
        for (int dropped = 0; state.storedCdrs > retention.cdrsPerAccount() && dropped < retention.purgeBatch(); dropped++) {
            String oldest;
            try (KeyValueIterator<String, RatedCdr> it = cdrs.reverseRange(CdrKeys.accountStart(accountId),
                    CdrKeys.accountEnd(accountId))) {
                if (!it.hasNext()) break;
                oldest = it.next().key;
            }
            cdrs.delete(oldest);
            expiry.remove(ExpiryIndex.CDRS, CdrKeys.endedAtOf(accountId, oldest), oldest);
            state.storedCdrs--;
        }
    }

    private static boolean expired(Duration keep, long base, long now) {
        return keep != null && base <= now - keep.toMillis();
    }

    // ---- wall clock

    private void punctuate(long now) {
        Set<String> touched = new LinkedHashSet<>();
        List<KeyValue<String, CallState>> open = new ArrayList<>();
        try (KeyValueIterator<String, CallState> it = calls.all()) {
            while (it.hasNext()) open.add(it.next());
        }
        purgeExpired(now);

        // right after a start the backlog may still hold the events of calls that look stale
        boolean settled = now - startedWall >= config.interimGrace().toMillis();
        long grace = config.interimGrace().toMillis();
        for (KeyValue<String, CallState> kv : open) {
            CallState call = kv.value;
            long silent = now - call.lastHeardWall;
            if (!settled || silent <= grace) continue;
            Account account = account(call.accountId);
            BalanceState state = state(call.accountId);
            // conservatively, the call runs on while nobody reports on it
            long estimated = call.answered() ? call.durationMillis + silent : 0;
            if (now - call.openedWall > config.maxCallAge().toMillis()) {
                log.warn("closing ghost call {} of {}: open for {}, not heard of for {}", call.callId, call.accountId,
                        Duration.ofMillis(now - call.openedWall), Duration.ofMillis(silent));
                close(call, account, state, Instant.ofEpochMilli(now), estimated, call.sipStatus, HangupParty.SYSTEM, now, now, null);
            } else if (setLive(state, call.callId, liveCharge(call, estimated))) { // moves once an increment
                balances.put(call.accountId, state);
                touched.add(call.accountId);
            }
        }
        for (String accountId : touched) publish(accountId, account(accountId), state(accountId), false, now, now);

        String month = BlockPolicy.month(Instant.ofEpochMilli(now));
        if (!month.equals(lastMonth)) { // allowances start again
            lastMonth = month;
            List<String> ids = new ArrayList<>();
            try (KeyValueIterator<String, BalanceState> it = balances.all()) {
                while (it.hasNext()) ids.add(it.next().key);
            }
            for (String id : ids) publish(id, account(id), state(id), false, now, now);
        }
    }

    /**
     * Forgets what is past its retention, at most {@code billing.purge.batch} records of each kind
     * per punctuation (the rest at the next ones): finished calls, CDRs (the account's count of
     * stored CDRs follows), usage windows and credit idempotency keys.
     */
    private void purgeExpired(long now) {
        Retention retention = config.retention();
        Map<String, Long> droppedCdrs = new HashMap<>();
        purge(ExpiryIndex.CDRS, retention.cdrs(), now, key -> {
            RatedCdr old = cdrs.delete(key);
            if (old != null) droppedCdrs.merge(old.getAccountId(), 1L, Long::sum);
        });
        droppedCdrs.forEach((accountId, count) -> {
            BalanceState state = balances.get(accountId);
            if (state != null) {
                state.storedCdrs = Math.max(0, state.storedCdrs - count);
                balances.put(accountId, state);
            }
        });
        for (UsagePeriod period : UsagePeriod.values()) {
            purge(ExpiryIndex.usageKind(period), retention.usage(period), now, usage::delete);
        }
        purge(ExpiryIndex.CREDIT_KEYS, retention.creditKeys(), now, receipts::delete);
        purge(ExpiryIndex.ENDED_CALLS, config.closedCallRetention(), now, endedCalls::delete);
    }

    private void purge(String kind, Duration keep, long now, Consumer<String> delete) {
        if (keep == null) return;
        for (ExpiryIndex.Entry entry : expiry.due(kind, now - keep.toMillis(), config.retention().purgeBatch())) {
            delete.accept(entry.storeKey());
            expiry.remove(entry);
        }
    }

    // ---- helpers

    /**
     * Publishes the account's block decision when it says something new, and stores the balance
     * when it or the decision changed ({@code changed}: the caller changed the state): an unchanged
     * balance is not written again, since every write is a changelog record (or a cache entry).
     */
    private void publish(String accountId, Account account, BalanceState state, boolean changed, long timestamp, long now) {
        BlockDecision decision = BlockPolicy.decide(accountId, account, state, Instant.ofEpochMilli(now));
        String fingerprint = BlockPolicy.fingerprint(decision);
        if (!fingerprint.equals(state.lastDecision)) {
            state.lastDecision = fingerprint;
            context.forward(new Record<String, Object>(accountId, decision, timestamp), BLOCKS_SINK);
            changed = true;
        }
        if (changed) balances.put(accountId, state);
    }

    /** Sets a live call's charge; false when it is what the state held already (RINGING, a silent unanswered call). */
    private static boolean setLive(BalanceState state, String callId, LiveCharge charge) {
        LiveCharge before = state.live.put(callId, charge);
        return before == null || before.billableSeconds != charge.billableSeconds || before.outbound != charge.outbound
                || before.cost.compareTo(charge.cost) != 0 || before.pricePerMinute.compareTo(charge.pricePerMinute) != 0;
    }

    private Account account(String accountId) {
        Account account = accounts.get(accountId);
        return account != null ? account : defaultAccount(accountId);
    }

    /** An account billing has not heard of is billed like a new one: postpaid, USD, deck default. */
    static Account defaultAccount(String accountId) {
        return Account.newBuilder().setAccountId(accountId).setSipUsername(accountId).setSipDomain("").build();
    }

    private BalanceState state(String accountId) {
        BalanceState state = balances.get(accountId);
        return state != null ? state : new BalanceState();
    }

    /** The currency of the balance: fixed by its first money movement, else the account's. */
    private static String currency(Account account, BalanceState state) {
        return AccountCurrency.billedIn(state.currency, account.getCurrency());
    }

    private static String accountKey(String key, String valueAccountId, String what) {
        if (key == null || key.isBlank()) {
            if (valueAccountId == null || valueAccountId.isBlank()) throw new BadRecordException(what + " without an account id");
            return valueAccountId;
        }
        if (valueAccountId != null && !valueAccountId.isBlank() && !valueAccountId.equals(key)) {
            throw new BadRecordException(what + " of account " + valueAccountId + " arrived under key " + key);
        }
        return key;
    }

    /** A record billing took but could not charge, for an operator to look at (it is committed with the rest). */
    private void deadLetter(String sourceTopic, String key, byte[] value, String reason, long now) {
        int partition = context.recordMetadata().map(RecordMetadata::partition).orElse(-1);
        long offset = context.recordMetadata().map(RecordMetadata::offset).orElse(-1L);
        DeadLetter letter = DeadLetters.letter(config.applicationId(), sourceTopic, partition, offset,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, reason, Instant.ofEpochMilli(now));
        context.forward(new Record<String, Object>(sourceTopic, letter, now), DEAD_LETTERS_SINK);
    }
}
