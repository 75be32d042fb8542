package io.sipstream.router.topology;

import io.sipstream.router.channels.Seat;
import io.sipstream.router.channels.TrunkClaim;
import io.sipstream.router.channels.TrunkLimits;
import io.sipstream.router.channels.TrunkSeats;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Each verdict as it leaves the account's task: a call routed to a trunk with a channel limit
 * takes one of its channels at once ({@link TrunkSeats}); the claim goes to the trunk's counter.
 */
final class RoutedTrunkClaims implements Processor<String, AddressedVerdict, String, TrunkClaim> {
    private final RouterOptions options;
    private ProcessorContext<String, TrunkClaim> context;
    private TrunkSeats seats;

    RoutedTrunkClaims(RouterOptions options) { this.options = options; }

    @Override
    public void init(ProcessorContext<String, TrunkClaim> context) {
        this.context = context;
        KeyValueStore<String, Seat> store = context.getStateStore(RouterTopology.TRUNK_SEATS_STORE);
        seats = new TrunkSeats(store, new TrunkLimits(context.getStateStore(RouterTopology.TRUNKS_STORE)),
                options.pendingMaxAge(), options.liveMaxAge());
        context.schedule(options.sweepInterval(), PunctuationType.WALL_CLOCK_TIME, seats::sweep);
    }

    @Override
    public void process(Record<String, AddressedVerdict> record) {
        for (TrunkSeats.Claim claim : seats.onVerdict(record.value().verdict(), context.currentSystemTimeMs())) {
            context.forward(record.withKey(claim.trunkId()).withValue(claim.claim()));
        }
    }
}
