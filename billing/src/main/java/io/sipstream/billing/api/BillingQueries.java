package io.sipstream.billing.api;

import io.sipstream.platform.http.ApiException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads billing's state stores through interactive queries. Only this instance's partitions are
 * local: with several billing instances, ask the one that owns the account (see docs).
 */
public final class BillingQueries {
    private final KafkaStreams streams;

    public BillingQueries(KafkaStreams streams) { this.streams = streams; }

    public <V> ReadOnlyKeyValueStore<String, V> store(String name) {
        try {
            return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore()));
        } catch (InvalidStateStoreException e) {
            throw ApiException.unavailable("billing state is not ready (" + streams.state() + "): retry shortly");
        }
    }

    /** A get that answers 503 instead of failing while the stores migrate. */
    public <V> V get(String store, String key) {
        try {
            ReadOnlyKeyValueStore<String, V> s = store(store);
            return s.get(key);
        } catch (InvalidStateStoreException e) {
            throw ApiException.unavailable("billing state is not ready (" + streams.state() + "): retry shortly");
        }
    }
}
