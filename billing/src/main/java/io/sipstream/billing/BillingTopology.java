package io.sipstream.billing;

import io.sipstream.avro.Account;
import io.sipstream.avro.Rate;
import io.sipstream.avro.RatedCdr;
import io.sipstream.avro.Usage;
import io.sipstream.billing.accounts.AccountArrivals;
import io.sipstream.billing.balances.CreditConfirmations;
import io.sipstream.billing.decks.DeckWatch;
import io.sipstream.billing.decks.RatesUpdater;
import io.sipstream.billing.state.RememberingSerde;
import io.sipstream.billing.state.StateSerde;
import io.sipstream.schemas.SchemaIds;
import io.sipstream.schemas.Topics;
import io.sipstream.schemas.serde.SerdeConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The billing topology, a pure function of the config (and of where this process's REST requests
 * wait for what the processors apply). One sub-topology reads call.events,
 * billing.credits and registry.accounts (all keyed and partitioned by account id), each into a
 * processor of its own type ({@link CallEventsProcessor}, {@link CreditsProcessor},
 * {@link AccountsProcessor}) over the same stores; the rate decks are a global store every task reads.
 *
 * <p>The stores whose keys are written again and again (balances, calls, usage) are cached: under
 * exactly_once_v2 the cache is flushed to the store and its changelog at every commit, inside the
 * transaction, so what a crash loses was never committed and is processed again. The processors
 * and the interactive queries read through the cache, so they see every write at once. The other
 * stores take each key once (a CDR, a finished call, an index entry, a receipt) or seldom (an
 * account): a cache would only hold them until the commit. The finished calls are a window store,
 * which forgets by dropping old segments: a key-value store needed an index entry per call and two
 * tombstones at its end.
 */
public final class BillingTopology {
    public static final String CDRS_SINK = "cdrs-sink";
    public static final String USAGE_SINK = "usage-sink";
    public static final String BLOCKS_SINK = "blocks-sink";
    public static final String DEAD_LETTERS_SINK = "dead-letters-sink";

    /**
     * Decoded accounts remembered by their bytes: a row changes seldom and is read at every event of its calls (as
     * many as the router's table caches hold).
     */
    static final int REMEMBERED_ACCOUNTS = 10_000;
    // Balances, calls and usage windows are not remembered decoded: each write is new bytes, read back at the
    // account's or the call's next event, so a memory of them holds seconds of writes, which every young collection
    // copied (measured in session 10: young pauses 48 -> 59 ms at 300 calls/s, and no CPU a call saved).

    private static final String EVENTS = "call-events";
    private static final String CREDITS = "credits";
    private static final String ACCOUNTS = "accounts";

    /** The topology alone, with nobody waiting on what it applies (tests). */
    public static Topology build(BillingConfig config) {
        return build(config, new CreditConfirmations(), new DeckWatch(), new AccountArrivals());
    }

    /**
     * @param confirmations where this process's credit POSTs wait for their receipts
     * @param decks         where this process's rate deck PUTs wait for their rows
     * @param arrivals      where this process's credit POSTs wait for an account the registry just issued
     */
    public static Topology build(BillingConfig config, CreditConfirmations confirmations, DeckWatch decks,
                                 AccountArrivals arrivals) {
        SerdeConfig serdes = config.kafka().serdes();
        Serde<Rate> rateSerde = Topics.BILLING_RATES.valueSerde(serdes);
        StringDeserializer keys = new StringDeserializer();
        StringSerializer keyOut = new StringSerializer();

        Topology topology = new Topology();
        topology.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.RATES), Serdes.String(), rateSerde)
                        .withLoggingDisabled(),
                "rates-source", keys, rateSerde.deserializer(), Topics.BILLING_RATES.name(), "rates-updater",
                () -> new RatesUpdater(decks));

        topology.addSource("events-source", keys, Topics.CALL_EVENTS.valueSerde(serdes).deserializer(), Topics.CALL_EVENTS.name());
        topology.addSource("credits-source", keys, Topics.BILLING_CREDITS.valueSerde(serdes).deserializer(),
                Topics.BILLING_CREDITS.name());
        topology.addSource("accounts-source", keys, Topics.REGISTRY_ACCOUNTS.valueSerde(serdes).deserializer(),
                Topics.REGISTRY_ACCOUNTS.name());
        topology.addProcessor(EVENTS, () -> new CallEventsProcessor(config), "events-source");
        topology.addProcessor(CREDITS, () -> new CreditsProcessor(config, confirmations), "credits-source");
        topology.addProcessor(ACCOUNTS, () -> new AccountsProcessor(config, arrivals), "accounts-source");

        // RememberingSerde: a CDR and a usage window are encoded for their store and sent as the same bytes; an
        // account read again as it was last read or written is not decoded again.
        Serde<RatedCdr> cdrs = RememberingSerde.records(Topics.BILLING_CDRS.valueSerde(serdes), 0); // never read on the call path
        Serde<Usage> usage = RememberingSerde.records(Topics.BILLING_USAGE.valueSerde(serdes), 0); // encoded once, not remembered

        String[] all = {EVENTS, CREDITS, ACCOUNTS};
        topology.addStateStore(store(StoreNames.ACCOUNTS,
                RememberingSerde.records(Topics.REGISTRY_ACCOUNTS.valueSerde(serdes), REMEMBERED_ACCOUNTS)), all);
        // Cached: written for every event (the account's balance, the call) or every call (its usage
        // windows), so the writes to one key between two commits reach the changelog as one record.
        topology.addStateStore(store(StoreNames.BALANCES, StateSerde.balances()).withCachingEnabled(), all);
        topology.addStateStore(store(StoreNames.CALLS, StateSerde.calls()).withCachingEnabled(), all);
        topology.addStateStore(store(StoreNames.ENDED_CALLS, Serdes.Long()), all);
        // by time, so that the calls past their retention go with their segment, without a record each
        topology.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(StoreNames.CLOSED_CALLS,
                config.closedCallRetention(), Duration.ofMillis(1), false), Serdes.String(), Serdes.Long()), EVENTS);
        topology.addStateStore(store(StoreNames.CREDIT_RECEIPTS, StateSerde.creditReceipts()), all);
        topology.addStateStore(store(StoreNames.USAGE, usage).withCachingEnabled(), all);
        topology.addStateStore(store(StoreNames.CDRS, cdrs), all);
        topology.addStateStore(store(StoreNames.EXPIRY, Serdes.Long()), all);

        // the stores' serializers: a CDR, and a usage window sent at once, go out as the bytes encoded for the store
        topology.addSink(CDRS_SINK, Topics.BILLING_CDRS.name(), keyOut, cdrs.serializer(), EVENTS);
        topology.addSink(USAGE_SINK, Topics.BILLING_USAGE.name(), keyOut, usage.serializer(), EVENTS);
        topology.addSink(BLOCKS_SINK, Topics.BILLING_BLOCKS.name(), keyOut, Topics.BILLING_BLOCKS.valueSerde(serdes).serializer(),
                all);
        topology.addSink(DEAD_LETTERS_SINK, Topics.DEAD_LETTERS.name(), keyOut, Topics.DEAD_LETTERS.valueSerde(serdes).serializer(),
                EVENTS, CREDITS);
        return topology;
    }

    /**
     * The subjects billing writes Avro values under, for the start-up step that gets their schema ids
     * ({@link SchemaIds}): its outputs, the changelogs of its Avro stores, the rate decks' global store
     * (under billing.rates, its changelog, which the REST API's loader writes too), and the credits
     * (also written by the REST API) and events it copies into dead letters.
     */
    public static List<SchemaIds.Writer> writers(String applicationId) {
        List<SchemaIds.Writer> writers = new ArrayList<>(SchemaIds.of(Topics.BILLING_CDRS, Topics.BILLING_USAGE,
                Topics.BILLING_BLOCKS, Topics.DEAD_LETTERS, Topics.BILLING_RATES, Topics.BILLING_CREDITS, Topics.CALL_EVENTS));
        writers.add(SchemaIds.Writer.of(changelog(applicationId, StoreNames.ACCOUNTS), Account.class));
        writers.add(SchemaIds.Writer.of(changelog(applicationId, StoreNames.USAGE), Usage.class));
        writers.add(SchemaIds.Writer.of(changelog(applicationId, StoreNames.CDRS), RatedCdr.class));
        return writers;
    }

    private static String changelog(String applicationId, String store) { return applicationId + "-" + store + "-changelog"; }

    private static <V> StoreBuilder<KeyValueStore<String, V>> store(String name, Serde<V> values) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), values);
    }

    private BillingTopology() {}
}
