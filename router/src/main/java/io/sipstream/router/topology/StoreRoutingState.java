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
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * The routing state as the topology's table stores hold it, and the prepaid holds as of the wall clock:
 * in the topology's processor, or from outside it by interactive queries (the dry-run decision).
 */
public final class StoreRoutingState implements RoutingState {
    /** Finds a store of the topology by name (a processor's context, or the running streams' interactive queries). */
    public interface Stores {
        Object store(String name);
    }

    /** What the account's other routed calls hold of its balance at the wall clock's now. */
    public interface Holds {
        Held held(String accountId, String exceptCallId);
    }

    private final ReadOnlyKeyValueStore<String, ValueAndTimestamp<Account>> accounts;
    private final ReadOnlyKeyValueStore<String, ValueAndTimestamp<BlockDecision>> blocks;
    private final ReadOnlyKeyValueStore<String, ValueAndTimestamp<NumberAssignment>> numbers;
    private final ReadOnlyKeyValueStore<String, ValueAndTimestamp<Trunk>> trunks;
    private final ReadOnlyKeyValueStore<String, ValueAndTimestamp<Rate>> rates;
    private final ReadOnlyKeyValueStore<String, ValueAndTimestamp<TrunkLoad>> trunkLoads;
    private final ReadOnlyKeyValueStore<String, ValueAndTimestamp<Route>> routes;
    private final ReadOnlyKeyValueStore<String, ValueAndTimestamp<DidBinding>> dids;
    private final Holds holds;

    StoreRoutingState(ProcessorContext<?, ?> context, Reservations reservations) {
        this(context::getStateStore, (account, except) -> reservations.held(account, except, context.currentSystemTimeMs()));
    }

    public StoreRoutingState(Stores stores, Holds holds) {
        this.holds = holds;
        accounts = cast(stores.store(RouterTopology.ACCOUNTS_STORE));
        blocks = cast(stores.store(RouterTopology.BLOCKS_STORE));
        numbers = cast(stores.store(RouterTopology.NUMBERS_STORE));
        trunks = cast(stores.store(RouterTopology.TRUNKS_STORE));
        rates = cast(stores.store(RouterTopology.RATES_STORE));
        trunkLoads = cast(stores.store(RouterTopology.TRUNK_LOADS_STORE));
        routes = cast(stores.store(RouterTopology.ROUTES_STORE));
        dids = cast(stores.store(RouterTopology.DIDS_STORE));
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
        return holds.held(accountId, exceptCallId);
    }

    @SuppressWarnings("unchecked") // the topology declares each store's types (RouterTopology)
    private static <S> S cast(Object store) { return (S) store; }

    private static <V> V value(ValueAndTimestamp<V> v) { return v == null ? null : v.value(); }
}
