package io.sipstream.router.topology;

import io.sipstream.avro.CallEvent;
import io.sipstream.router.limits.CallLimiter;
import io.sipstream.router.limits.LiveCall;
import io.sipstream.router.limits.RateWindow;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/** Follows call.events (keyed by account, like the attempts) into the live-call store the limits count. */
final class CallEventTracker implements Processor<String, CallEvent, Void, Void> {
    private final RouterOptions options;
    private ProcessorContext<Void, Void> context;
    private CallLimiter limiter;

    CallEventTracker(RouterOptions options) { this.options = options; }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        KeyValueStore<String, LiveCall> live = context.getStateStore(RouterTopology.LIVE_CALLS_STORE);
        KeyValueStore<String, RateWindow> rates = context.getStateStore(RouterTopology.CALL_RATES_STORE);
        limiter = new CallLimiter(live, rates, options.pendingMaxAge(), options.liveMaxAge());
    }

    @Override
    public void process(Record<String, CallEvent> record) {
        limiter.onEvent(Attempts.valid(record.key(), record.value()), context.currentSystemTimeMs());
    }
}
