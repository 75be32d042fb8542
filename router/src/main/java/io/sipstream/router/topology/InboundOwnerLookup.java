package io.sipstream.router.topology;

import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.NumberAssignment;
import io.sipstream.router.numbers.NumberNormalizer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * Re-keys an inbound attempt (keyed by the dialled number) by the account that owns the number, so
 * that it is decided on the partition that holds that account, its limits and its live calls. An
 * attempt for a number nobody owns keeps its key: the routing processor answers it 404.
 */
final class InboundOwnerLookup implements Processor<String, CallAttempt, String, CallAttempt> {
    private final RouterOptions options;
    private final NumberNormalizer normalizer = new NumberNormalizer();
    private ProcessorContext<String, CallAttempt> context;
    private KeyValueStore<String, ValueAndTimestamp<NumberAssignment>> numbers;

    InboundOwnerLookup(RouterOptions options) { this.options = options; }

    @Override
    public void init(ProcessorContext<String, CallAttempt> context) {
        this.context = context;
        numbers = context.getStateStore(RouterTopology.NUMBERS_STORE);
    }

    @Override
    public void process(Record<String, CallAttempt> record) {
        CallAttempt attempt = Attempts.valid(record.key(), record.value());
        // the registry's own numbers come back call after call, and are read again when the owner decides
        NumberNormalizer.Result called = normalizer.normaliseRepeated(attempt.getDialled(), options.inboundRegion());
        ValueAndTimestamp<NumberAssignment> owner = called.ok() ? numbers.get(called.number().e164()) : null;
        context.forward(owner == null ? record : record.withKey(owner.value().getAccountId()));
    }
}
