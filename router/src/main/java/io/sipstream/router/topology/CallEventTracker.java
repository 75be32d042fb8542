package io.sipstream.router.topology;

import io.sipstream.avro.Account;
import io.sipstream.avro.CallEvent;
import io.sipstream.router.limits.CallLimiter;
import io.sipstream.router.limits.LiveCall;
import io.sipstream.router.limits.RateWindow;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * Follows call.events (keyed by account, like the attempts) into the live-call store the limits
 * count. Only accounts with a concurrent-call limit are tracked: every tracked event is a store
 * write and a changelog record, and at 4-5 events a call that was a fifth of the broker's load
 * for accounts that have nothing to count.
 */
final class CallEventTracker implements Processor<String, CallEvent, Void, Void> {
    private final RouterOptions options;
    private ProcessorContext<Void, Void> context;
    private CallLimiter limiter;
    private KeyValueStore<String, ValueAndTimestamp<Account>> accounts;

    CallEventTracker(RouterOptions options) { this.options = options; }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        KeyValueStore<String, LiveCall> live = context.getStateStore(RouterTopology.LIVE_CALLS_STORE);
        KeyValueStore<String, RateWindow> rates = context.getStateStore(RouterTopology.CALL_RATES_STORE);
        limiter = new CallLimiter(live, rates, options.pendingMaxAge(), options.liveMaxAge());
        accounts = context.getStateStore(RouterTopology.ACCOUNTS_STORE);
    }

    @Override
    public void process(Record<String, CallEvent> record) {
        CallEvent event = Attempts.valid(record.key(), record.value());
        ValueAndTimestamp<Account> account = accounts.get(event.getAccountId());
        boolean limited = account != null && account.value().getMaxConcurrentCalls() > 0;
        limiter.onEvent(event, context.currentSystemTimeMs(), limited);
    }
}
