package io.sipstream.router.topology;

import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.Direction;
import io.sipstream.router.channels.Seat;
import io.sipstream.router.channels.TrunkClaim;
import io.sipstream.router.limits.LiveCall;
import io.sipstream.router.limits.RateWindow;
import io.sipstream.router.prepaid.Reservation;
import io.sipstream.schemas.SchemaIds;
import io.sipstream.schemas.Topic;
import io.sipstream.schemas.Topics;
import io.sipstream.schemas.serde.SerdeConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The router's topology, a pure function of its options.
 *
 * <pre>
 * registry.accounts -> table (router-accounts)  \   co-partitioned by account id
 * billing.blocks    -> table (router-blocks)     |  (Topics.ACCOUNT_PARTITIONS each)
 * call.events (bytes) -> live-call tracker ---- | -> router-live-calls, router-reservations
 * call.attempts --+- outbound -----------------------+-> route -> call.verdicts
 *                 '- inbound -> owner lookup -> repartition by owner (inbound-by-owner) -'   (partition = replyPartition)
 * registry.numbers, registry.trunks, registry.routes, registry.dids, billing.rates, router.trunk.calls -> global tables
 *
 * route -> routed trunk claims --+-> repartition by trunk (claims-by-trunk) -> trunk channel counter -> router.trunk.calls
 * live-call tracker (claims) ----'      (router-trunk-seats on the account side, router-trunk-channels on the trunk side)
 * </pre>
 *
 * Inbound attempts are keyed by the dialled number; they are re-keyed by the number's owner and
 * repartitioned so that the owner's account, limits and live calls are local to the task that
 * decides them (one extra hop, on inbound calls only). All stores are in memory, the tables'
 * changelogs are their compacted source topics (topology optimisation), the live calls and the
 * prepaid holds have changelogs of their own, and the per-second rate windows none (they are
 * worthless a second later). The tables' stores decode each distinct row once ({@link DecodedValueCache}).
 *
 * <p>A trunk's calls come from every account's partition, so they are counted where the trunk's
 * key lands (one hop, only for calls on trunks with {@code maxChannels}) and the count comes back
 * to every task through router.trunk.calls: a decision sees the calls routed before it a few
 * milliseconds late, so a burst in that window can pass the limit by the calls routed within it.
 */
public final class RouterTopology {
    public static final String ACCOUNTS_STORE = "router-accounts";
    public static final String BLOCKS_STORE = "router-blocks";
    public static final String NUMBERS_STORE = "router-numbers";
    public static final String TRUNKS_STORE = "router-trunks";
    public static final String RATES_STORE = "router-rates";
    public static final String LIVE_CALLS_STORE = "router-live-calls";
    public static final String CALL_RATES_STORE = "router-call-rates";
    /** What routed prepaid calls hold of their accounts' balances ({@link io.sipstream.router.prepaid.Reservations}). */
    public static final String RESERVATIONS_STORE = "router-reservations";
    /** Which trunk with a channel limit each call of the task's accounts holds. */
    public static final String TRUNK_SEATS_STORE = "router-trunk-seats";
    /** The calls of each trunk with a channel limit, kept by the trunk's task. */
    public static final String TRUNK_CHANNELS_STORE = "router-trunk-channels";
    /** router.trunk.calls, the count of every trunk, as a global table. */
    public static final String TRUNK_LOADS_STORE = "router-trunk-loads";
    /** registry.routes, the shared route table, as a global table. */
    public static final String ROUTES_STORE = "router-routes";
    /** registry.dids, the numbers' trunk bindings, as a global table. */
    public static final String DIDS_STORE = "router-dids";
    /** Name of the repartition of inbound attempts (topic {@code <application.id>-inbound-by-owner-repartition}). */
    public static final String INBOUND_BY_OWNER = "inbound-by-owner";
    /** Name of the repartition of the trunk claims (topic {@code <application.id>-claims-by-trunk-repartition}). */
    public static final String CLAIMS_BY_TRUNK = "claims-by-trunk";

    /** Decoded rows a table's store remembers, for the tables an operator changes (registry, rates)... */
    static final int STABLE_ROWS = 10_000;
    /**
     * ... and for billing.blocks, whose rows change with calls (a prepaid balance): few enough that what
     * it remembers (every update as it arrives, and the rows looked up) is cleared within seconds under
     * load, and dies young.
     */
    static final int CHANGING_ROWS = 1_000;

    public static Topology build(RouterOptions options) {
        SerdeConfig serdes = options.serdes();
        Serde<String> keys = Serdes.String();
        StreamsBuilder builder = new StreamsBuilder();

        // A table's store decodes with its Consumed's serde (StreamsBuilder.table and globalTable put it
        // over the Materialized's), so the cache goes there: the source's decode of an update fills it too.
        builder.table(Topics.REGISTRY_ACCOUNTS.name(), decodedOnce(Topics.REGISTRY_ACCOUNTS, serdes, "accounts"),
                Materialized.as(Stores.inMemoryKeyValueStore(ACCOUNTS_STORE)));
        builder.table(Topics.BILLING_BLOCKS.name(), decodedOnce(Topics.BILLING_BLOCKS, serdes, "blocks", CHANGING_ROWS),
                Materialized.as(Stores.inMemoryKeyValueStore(BLOCKS_STORE)));
        builder.globalTable(Topics.REGISTRY_NUMBERS.name(), decodedOnce(Topics.REGISTRY_NUMBERS, serdes, "numbers"),
                Materialized.as(Stores.inMemoryKeyValueStore(NUMBERS_STORE)));
        builder.globalTable(Topics.REGISTRY_TRUNKS.name(), decodedOnce(Topics.REGISTRY_TRUNKS, serdes, "trunks"),
                Materialized.as(Stores.inMemoryKeyValueStore(TRUNKS_STORE)));
        builder.globalTable(Topics.REGISTRY_ROUTES.name(), decodedOnce(Topics.REGISTRY_ROUTES, serdes, "routes"),
                Materialized.as(Stores.inMemoryKeyValueStore(ROUTES_STORE)));
        builder.globalTable(Topics.REGISTRY_DIDS.name(), decodedOnce(Topics.REGISTRY_DIDS, serdes, "dids"),
                Materialized.as(Stores.inMemoryKeyValueStore(DIDS_STORE)));
        builder.globalTable(Topics.BILLING_RATES.name(), decodedOnce(Topics.BILLING_RATES, serdes, "rates"),
                Materialized.as(Stores.inMemoryKeyValueStore(RATES_STORE)));
        // its rows change with every call on a limited trunk, and are small: decoded at each read
        builder.globalTable(Topics.ROUTER_TRUNK_CALLS.name(), consumed(Topics.ROUTER_TRUNK_CALLS, serdes, "trunk-loads"),
                Materialized.as(Stores.inMemoryKeyValueStore(TRUNK_LOADS_STORE)));

        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(LIVE_CALLS_STORE), keys, LiveCall.serde()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(CALL_RATES_STORE), keys, RateWindow.serde())
                .withLoggingDisabled());
        // changelogged: a restart or a moved task must not forget what running calls hold
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(RESERVATIONS_STORE), keys, Reservation.serde()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(TRUNK_SEATS_STORE), keys, Seat.serde()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(TRUNK_CHANNELS_STORE), keys, LiveCall.serde()));

        // call.events are read as bytes: the tracker decodes only the events of accounts it tracks
        Deserializer<CallEvent> events = Topics.CALL_EVENTS.valueSerde(serdes).deserializer();
        KStream<String, TrunkClaim> eventClaims = builder
                .stream(Topics.CALL_EVENTS.name(), Consumed.with(keys, Serdes.ByteArray()).withName("call-events-source"))
                .process(() -> new CallEventTracker(options, events), Named.as("live-call-tracker"),
                        LIVE_CALLS_STORE, CALL_RATES_STORE, ACCOUNTS_STORE, RESERVATIONS_STORE, TRUNK_SEATS_STORE);

        Serde<CallAttempt> attemptSerde = Topics.CALL_ATTEMPTS.valueSerde(serdes);
        Map<String, KStream<String, CallAttempt>> byDirection = builder
                .stream(Topics.CALL_ATTEMPTS.name(), consumed(Topics.CALL_ATTEMPTS, serdes, "attempts-source"))
                .split(Named.as("direction-"))
                .branch((key, attempt) -> attempt != null && attempt.getDirection() == Direction.INBOUND, Branched.as("inbound"))
                .defaultBranch(Branched.as("outbound"));
        KStream<String, CallAttempt> inboundByOwner = byDirection.get("direction-inbound")
                .process(() -> new InboundOwnerLookup(options), Named.as("inbound-owner-lookup"))
                .repartition(Repartitioned.<String, CallAttempt>as(INBOUND_BY_OWNER)
                        .withKeySerde(keys).withValueSerde(attemptSerde).withNumberOfPartitions(Topics.ACCOUNT_PARTITIONS));
        KStream<String, AddressedVerdict> verdicts = byDirection.get("direction-outbound")
                .merge(inboundByOwner, Named.as("attempts-by-account"))
                .process(() -> new RoutingProcessor(options), Named.as("route"),
                        ACCOUNTS_STORE, BLOCKS_STORE, LIVE_CALLS_STORE, CALL_RATES_STORE, RESERVATIONS_STORE);
        verdicts.to(Topics.CALL_VERDICTS.name(), Produced.with(keys, AddressedVerdict.serde(Topics.CALL_VERDICTS.valueSerde(serdes)))
                .withStreamPartitioner(AddressedVerdict.partitioner())
                .withName("verdicts"));

        // the trunks' channels: claims from verdicts and events, counted per trunk, the counts read back as a global table
        verdicts.process(() -> new RoutedTrunkClaims(options), Named.as("routed-trunk-claims"), TRUNK_SEATS_STORE)
                .merge(eventClaims, Named.as("trunk-claims"))
                .repartition(Repartitioned.<String, TrunkClaim>as(CLAIMS_BY_TRUNK)
                        .withKeySerde(keys).withValueSerde(TrunkClaim.serde()).withNumberOfPartitions(Topics.TABLE_PARTITIONS))
                .process(() -> new TrunkChannelCounter(options), Named.as("trunk-channel-counter"), TRUNK_CHANNELS_STORE)
                .to(Topics.ROUTER_TRUNK_CALLS.name(), Produced.with(keys, Topics.ROUTER_TRUNK_CALLS.valueSerde(serdes))
                        .withName("trunk-counts"));

        Properties props = new Properties();
        props.put(StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG, StreamsConfig.OPTIMIZE); // tables restore from their source topics
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true); // as the service runs it
        return builder.build(props);
    }

    /**
     * The subjects the topology writes Avro values under, for the start-up step that gets their
     * schema ids ({@link SchemaIds}): the verdicts, inbound attempts on their repartition topic, dead
     * letters, and the tables' values, which their stores serialise again under their changelogs, the
     * source topics.
     */
    public static List<SchemaIds.Writer> writers(String applicationId) {
        List<SchemaIds.Writer> writers = new ArrayList<>(SchemaIds.of(Topics.CALL_VERDICTS, Topics.DEAD_LETTERS,
                Topics.REGISTRY_ACCOUNTS, Topics.BILLING_BLOCKS, Topics.REGISTRY_NUMBERS, Topics.REGISTRY_TRUNKS, Topics.REGISTRY_ROUTES, Topics.REGISTRY_DIDS,
                Topics.BILLING_RATES));
        writers.add(SchemaIds.Writer.of(applicationId + "-" + INBOUND_BY_OWNER + "-repartition", CallAttempt.class));
        return writers;
    }

    /**
     * A table's source whose values, and so its store's, decode through a {@link DecodedValueCache}:
     * each distinct stored value is decoded once.
     */
    private static <V extends SpecificRecord> Consumed<String, V> decodedOnce(Topic<V> topic, SerdeConfig serdes, String name) {
        return decodedOnce(topic, serdes, name, STABLE_ROWS);
    }

    private static <V extends SpecificRecord> Consumed<String, V> decodedOnce(Topic<V> topic, SerdeConfig serdes, String name,
                                                                             int limit) {
        return Consumed.with(topic.keySerde(), new DecodedValueCache<>(topic.valueSerde(serdes), limit)).withName(name);
    }

    /** Tables and global tables add "-source" to the name themselves. */
    private static <V extends SpecificRecord> Consumed<String, V> consumed(Topic<V> topic, SerdeConfig serdes, String name) {
        return Consumed.with(topic.keySerde(), topic.valueSerde(serdes)).withName(name);
    }

    private RouterTopology() {}
}
