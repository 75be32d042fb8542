package io.sipstream.billing.api;

import io.sipstream.platform.http.ApiException;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads billing's state stores through interactive queries: every local partition, or only the
 * partition of one account ({@link #onPartition}), which answers 503 when that partition is not
 * (or no longer) on this instance instead of an empty answer.
 */
public final class BillingQueries {
    private final Supplier<KafkaStreams> streams;
    private final Integer partition;

    public BillingQueries(Supplier<KafkaStreams> streams) { this(streams, null); }

    private BillingQueries(Supplier<KafkaStreams> streams, Integer partition) {
        this.streams = streams;
        this.partition = partition;
    }

    /** The same queries limited to one partition of the account stores. */
    public BillingQueries onPartition(int partition) { return new BillingQueries(streams, partition); }

    public <V> ReadOnlyKeyValueStore<String, V> store(String name) {
        KafkaStreams s = streams.get();
        if (s == null) throw ApiException.unavailable("billing is starting: retry shortly");
        StoreQueryParameters<ReadOnlyKeyValueStore<String, V>> params =
                StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.keyValueStore());
        if (partition != null) params = params.withPartition(partition);
        try {
            return s.store(params);
        } catch (InvalidStateStoreException e) {
            throw notReady(s);
        }
    }

    /**
     * The partitions of billing's stores active on this instance, for a query over all of them that must see
     * each once (a partition's store read alone keeps its order; the union of all is not sorted). 503 unless
     * the streams run: while they rebalance, a partition may be on no instance and its rows would be missing.
     */
    public Set<Integer> localPartitions() {
        KafkaStreams s = streams.get();
        if (s == null) throw ApiException.unavailable("billing is starting: retry shortly");
        if (s.state() != KafkaStreams.State.RUNNING) {
            throw ApiException.unavailable("billing's partitions are moving between instances (" + s.state() + "): retry shortly");
        }
        Set<Integer> partitions = new TreeSet<>();
        for (ThreadMetadata thread : s.metadataForLocalThreads()) {
            for (TaskMetadata task : thread.activeTasks()) partitions.add(task.taskId().partition());
        }
        return partitions;
    }

    /** A get that answers 503 instead of failing while the stores migrate. */
    public <V> V get(String store, String key) {
        try {
            ReadOnlyKeyValueStore<String, V> s = store(store);
            return s.get(key);
        } catch (InvalidStateStoreException e) {
            throw notReady(streams.get());
        }
    }

    private ApiException notReady(KafkaStreams s) {
        String state = s == null ? "starting" : s.state().toString();
        return ApiException.unavailable(partition == null
                ? "billing state is not ready (" + state + "): retry shortly"
                : "partition " + partition + " of billing's state is not served by this instance now (" + state
                        + "; moving between instances?): retry shortly");
    }
}
