package io.sipstream.registry.publish;

import io.sipstream.avro.Account;
import io.sipstream.avro.DidBinding;
import io.sipstream.avro.Route;
import io.sipstream.avro.NumberAssignment;
import io.sipstream.avro.Trunk;
import io.sipstream.platform.accounts.AccountDoc;
import io.sipstream.registry.store.Change;
import io.sipstream.registry.store.ConflictException;
import io.sipstream.registry.store.DidDoc;
import io.sipstream.registry.store.RouteDoc;
import io.sipstream.registry.store.NumberDoc;
import io.sipstream.registry.store.RegistryStore;
import io.sipstream.registry.store.TrunkDoc;
import io.sipstream.schemas.Topics;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the registry topics converge to what Redis holds: reads each topic to its end, then queues
 * in the outbox the current record of every key whose latest topic value differs from Redis, and
 * a tombstone for every key the topic has but Redis does not. Runs at start-up and whenever Redis
 * may have lost or changed data behind the registry's back (a restart, a failover, a flush).
 *
 * <p>Each queued entry is committed with a check that the key still holds what was read, so a
 * concurrent REST write is never overtaken by an older snapshot.
 */
public final class Reconciler {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    /** What a pass queued. */
    public record Result(int accounts, int numbers, int trunks, int tombstones, int routes, int dids) {
        public int total() { return accounts + numbers + trunks + tombstones + routes + dids; }
    }

    private final RegistryStore store;
    private final Map<String, Object> clientProps;
    private final Deserializer<Account> accounts;
    private final Deserializer<NumberAssignment> numbers;
    private final Deserializer<Trunk> trunks;
    private final Deserializer<Route> routes;
    private final Deserializer<DidBinding> dids;
    private final String sipDomain;
    private final Function<String, String> regionOf;
    private final Duration timeout;

    public Reconciler(RegistryStore store, Map<String, Object> clientProps, Deserializer<Account> accounts,
                      Deserializer<NumberAssignment> numbers, Deserializer<Trunk> trunks, Deserializer<Route> routes,
                      Deserializer<DidBinding> dids, String sipDomain, Function<String, String> regionOf, Duration timeout) {
        this.store = store;
        this.clientProps = clientProps;
        this.accounts = accounts;
        this.numbers = numbers;
        this.trunks = trunks;
        this.routes = routes;
        this.dids = dids;
        this.sipDomain = sipDomain;
        this.regionOf = regionOf;
        this.timeout = timeout;
    }

    public Result run() {
        // marks this Redis's data as reconciled; if it disappears, so did the data, and the publisher comes back here
        store.markEpoch(UUID.randomUUID().toString());
        String accountTopic = Topics.REGISTRY_ACCOUNTS.name();
        String numberTopic = Topics.REGISTRY_NUMBERS.name();
        String trunkTopic = Topics.REGISTRY_TRUNKS.name();
        Map<String, Account> publishedAccounts = decode(TopicSnapshot.read(clientProps, accountTopic, timeout), accounts, accountTopic);
        Map<String, NumberAssignment> publishedNumbers = decode(TopicSnapshot.read(clientProps, numberTopic, timeout), numbers, numberTopic);
        Map<String, Trunk> publishedTrunks = decode(TopicSnapshot.read(clientProps, trunkTopic, timeout), trunks, trunkTopic);
        int a = 0, n = 0, t = 0, dead = 0;

        Set<String> liveNumbers = new HashSet<>();
        for (String id : store.members(store.keys().accounts())) {
            String key = store.keys().account(id);
            String json = store.get(key);
            AccountDoc doc = RegistryStore.decode(json, AccountDoc.class);
            if (doc == null) continue;
            if (!Objects.equals(publishedAccounts.get(id), AvroRecords.account(doc, sipDomain))) {
                if (queue(new Change().expect(key, json).publish(accountTopic, id, RegistryStore.tree(doc)))) a++;
            }
            for (String number : doc.numbers()) {
                String numberKey = store.keys().number(number);
                if (!id.equals(store.get(numberKey))) continue;
                liveNumbers.add(number);
                NumberAssignment published = publishedNumbers.get(number);
                if (published != null && published.getAccountId().equals(id)) continue;
                NumberDoc record = new NumberDoc(number, id, regionOf.apply(number), doc.version(), doc.updatedAt());
                if (queue(new Change().expect(numberKey, id).expect(key, json)
                        .publish(numberTopic, number, RegistryStore.tree(record)))) n++;
            }
        }
        for (String id : store.members(store.keys().trunks())) {
            String key = store.keys().trunk(id);
            String json = store.get(key);
            TrunkDoc doc = RegistryStore.decode(json, TrunkDoc.class);
            if (doc == null) continue;
            if (!Objects.equals(publishedTrunks.get(id), AvroRecords.trunk(doc))) {
                if (queue(new Change().expect(key, json).publish(trunkTopic, id, RegistryStore.tree(doc)))) t++;
            }
        }
        dead += tombstones(publishedAccounts.keySet(), store.keys()::account, accountTopic);
        dead += tombstones(publishedTrunks.keySet(), store.keys()::trunk, trunkTopic);
        for (String number : publishedNumbers.keySet()) {
            if (liveNumbers.contains(number)) continue;
            String numberKey = store.keys().number(number);
            String owner = store.get(numberKey);
            if (owner == null) {
                if (queue(new Change().expect(numberKey, null).publish(numberTopic, number, null))) dead++;
            } else if (publishedNumbers.get(number) == null || !owner.equals(publishedNumbers.get(number).getAccountId())) {
                // owned in Redis but not listed by its account: publish what Redis says
                if (queue(new Change().expect(numberKey, owner).publish(numberTopic, number, RegistryStore.tree(
                        new NumberDoc(number, owner, regionOf.apply(number), 0, null))))) n++;
            }
        }
        int[] routeChanges = simpleTable(Topics.REGISTRY_ROUTES.name(), routes, store.keys().routes(), store.keys()::route,
                RouteDoc.class, AvroRecords::route);
        int[] didChanges = simpleTable(Topics.REGISTRY_DIDS.name(), dids, store.keys().dids(), store.keys()::did,
                DidDoc.class, AvroRecords::did);
        dead += routeChanges[1] + didChanges[1];
        Result result = new Result(a, n, t, dead, routeChanges[0], didChanges[0]);
        log.info("reconciled registry topics with Redis: queued {} account(s), {} number(s), {} trunk(s), {} route(s), "
                + "{} DID binding(s), {} tombstone(s)", a, n, t, routeChanges[0], didChanges[0], dead);
        return result;
    }

    /**
     * A table whose records are one Redis document each, listed in a set (routes, DID bindings):
     * queues what differs from the topic and tombstones what Redis no longer has. Returns {records, tombstones}.
     */
    private <D, V> int[] simpleTable(String topic, Deserializer<V> deserializer, String setKey, Function<String, String> redisKey,
                                     Class<D> docType, Function<D, V> toRecord) {
        Map<String, V> published = decode(TopicSnapshot.read(clientProps, topic, timeout), deserializer, topic);
        int records = 0;
        for (String id : store.members(setKey)) {
            String key = redisKey.apply(id);
            String json = store.get(key);
            D doc = RegistryStore.decode(json, docType);
            if (doc == null) continue;
            if (!Objects.equals(published.get(id), toRecord.apply(doc))) {
                if (queue(new Change().expect(key, json).publish(topic, id, RegistryStore.tree(doc)))) records++;
            }
        }
        return new int[] {records, tombstones(published.keySet(), redisKey, topic)};
    }

    private int tombstones(Set<String> publishedKeys, Function<String, String> redisKey, String topic) {
        int count = 0;
        for (String id : publishedKeys) {
            String key = redisKey.apply(id);
            if (!store.exists(key) && queue(new Change().expect(key, null).publish(topic, id, null))) count++;
        }
        return count;
    }

    /** A concurrent write queued its own, newer entry: nothing to add then. */
    private boolean queue(Change change) {
        try {
            store.commit(change);
            return true;
        } catch (ConflictException concurrentWrite) {
            return false;
        }
    }

    private static <T> Map<String, T> decode(Map<String, byte[]> raw, Deserializer<T> deserializer, String topic) {
        Map<String, T> out = new java.util.HashMap<>();
        raw.forEach((k, v) -> {
            try {
                out.put(k, deserializer.deserialize(topic, v));
            } catch (RuntimeException e) {
                out.put(k, null); // unreadable: counts as different, so the current record is published again
            }
        });
        return out;
    }
}
