package io.sipstream.router.topology;

import io.sipstream.avro.TrunkLoad;
import io.sipstream.router.channels.TrunkChannels;
import io.sipstream.router.channels.TrunkClaim;
import io.sipstream.router.limits.LiveCall;
import java.time.Instant;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Counts each trunk's calls from the claims of every account's task (repartitioned by trunk id)
 * and publishes the count to router.trunk.calls whenever it changes, which every router
 * instance reads back as a global table when it chooses trunks.
 */
final class TrunkChannelCounter implements Processor<String, TrunkClaim, String, TrunkLoad> {
    private final RouterOptions options;
    private ProcessorContext<String, TrunkLoad> context;
    private TrunkChannels channels;

    TrunkChannelCounter(RouterOptions options) { this.options = options; }

    @Override
    public void init(ProcessorContext<String, TrunkLoad> context) {
        this.context = context;
        KeyValueStore<String, LiveCall> calls = context.getStateStore(RouterTopology.TRUNK_CHANNELS_STORE);
        channels = new TrunkChannels(calls, options.pendingMaxAge(), options.liveMaxAge());
        context.schedule(options.sweepInterval(), PunctuationType.WALL_CLOCK_TIME,
                now -> channels.sweep(now).forEach((trunkId, count) -> publish(trunkId, count, now)));
    }

    @Override
    public void process(Record<String, TrunkClaim> record) {
        if (record.key() == null || record.value() == null) return; // the router writes neither
        long now = context.currentSystemTimeMs();
        int count = channels.apply(record.key(), record.value(), now);
        if (count >= 0) publish(record.key(), count, now);
    }

    private void publish(String trunkId, int count, long now) {
        TrunkLoad load = TrunkLoad.newBuilder().setTrunkId(trunkId).setLiveCalls(count).setCountedAt(Instant.ofEpochMilli(now)).build();
        context.forward(new Record<>(trunkId, load, now));
    }
}
