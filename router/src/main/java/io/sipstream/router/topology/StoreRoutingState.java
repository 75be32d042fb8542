package io.sipstream.router.topology;

import io.sipstream.avro.Account;
import io.sipstream.avro.BlockDecision;
import io.sipstream.avro.DidBinding;
import io.sipstream.avro.Route;
import io.sipstream.avro.NumberAssignment;
import io.sipstream.avro.Rate;
import io.sipstream.avro.Trunk;
import io.sipstream.avro.TrunkLoad;
import io.sipstream.router.prepaid.Held;
import io.sipstream.router.prepaid.Reservations;
import io.sipstream.router.verdicts.RoutingState;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/** The routing state as the topology's table stores hold it, and the prepaid holds as of the wall clock. */
final class StoreRoutingState implements RoutingState {
    private final KeyValueStore<String, ValueAndTimestamp<Account>> accounts;
    private final KeyValueStore<String, ValueAndTimestamp<BlockDecision>> blocks;
    private final KeyValueStore<String, ValueAndTimestamp<NumberAssignment>> numbers;
    private final KeyValueStore<String, ValueAndTimestamp<Trunk>> trunks;
    private final KeyValueStore<String, ValueAndTimestamp<Rate>> rates;
    private final KeyValueStore<String, ValueAndTimestamp<TrunkLoad>> trunkLoads;
    private final KeyValueStore<String, ValueAndTimestamp<Route>> routes;
    private final KeyValueStore<String, ValueAndTimestamp<DidBinding>> dids;
    private final ProcessorContext<?, ?> context;
    private final Reservations reservations;

    StoreRoutingState(ProcessorContext<?, ?> context, Reservations reservations) {
        this.context = context;
        this.reservations = reservations;
        accounts = context.getStateStore(RouterTopology.ACCOUNTS_STORE);
        blocks = context.getStateStore(RouterTopology.BLOCKS_STORE);
        numbers = context.getStateStore(RouterTopology.NUMBERS_STORE);
        trunks = context.getStateStore(RouterTopology.TRUNKS_STORE);
        rates = context.getStateStore(RouterTopology.RATES_STORE);
        trunkLoads = context.getStateStore(RouterTopology.TRUNK_LOADS_STORE);
        routes = context.getStateStore(RouterTopology.ROUTES_STORE);
        dids = context.getStateStore(RouterTopology.DIDS_STORE);
    }

    @Override
    public Account account(String accountId) { return accountId == null ? null : value(accounts.get(accountId)); }

    @Override
    public BlockDecision block(String accountId) { return value(blocks.get(accountId)); }

    @Override
    public String numberOwner(String e164) {
        NumberAssignment assignment = value(numbers.get(e164));
        return assignment == null ? null : assignment.getAccountId();
    }

    @Override
    public Trunk trunk(String trunkId) { return value(trunks.get(trunkId)); }

    @Override
    public Route route(String routeId) { return routeId == null ? null : value(routes.get(routeId)); }

    @Override
    public Iterable<Route> routes() {
        List<Route> all = new ArrayList<>();
        try (KeyValueIterator<String, ValueAndTimestamp<Route>> it = routes.all()) {
            it.forEachRemaining(kv -> {
                if (kv.value != null) all.add(kv.value.value());
            });
        }
        return all;
    }

    @Override
    public String didTrunk(String e164) {
        DidBinding binding = value(dids.get(e164));
        return binding == null ? null : binding.getTrunkId();
    }

    @Override
    public int trunkCalls(String trunkId) {
        TrunkLoad load = value(trunkLoads.get(trunkId));
        return load == null ? 0 : load.getLiveCalls();
    }

    @Override
    public Rate rate(String key) { return value(rates.get(key)); }

    @Override
    public Held held(String accountId, String exceptCallId) {
        return reservations.held(accountId, exceptCallId, context.currentSystemTimeMs());
    }

    private static <V> V value(ValueAndTimestamp<V> v) { return v == null ? null : v.value(); }
}
