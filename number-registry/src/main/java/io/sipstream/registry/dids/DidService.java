package io.sipstream.registry.dids;

import io.sipstream.platform.http.ApiException;
import io.sipstream.registry.numbers.PhoneNumbers;
import io.sipstream.registry.numbers.PhoneNumbers.InvalidNumberException;
import io.sipstream.registry.rest.Body;
import io.sipstream.registry.rest.IfMatch;
import io.sipstream.registry.rest.Ids;
import io.sipstream.registry.store.Change;
import io.sipstream.registry.store.DidDoc;
import io.sipstream.registry.store.RegistryStore;
import io.sipstream.registry.store.Written;
import io.sipstream.schemas.Topics;
import java.time.Clock;
import java.util.Set;

/**
 * DID bindings: an inbound number bound to the trunk its calls arrive on ({@code did:<e164>}, published
 * on registry.dids). The router refuses a call to a bound number from any other trunk, so moving a
 * number to another carrier is one change of its binding. A number may be bound before it is assigned
 * to an account, and keeps its binding when it changes owner.
 */
public final class DidService {
    private static final Set<String> FIELDS = Set.of("trunk", "number", "version", "updatedAt");

    private final RegistryStore store;
    private final PhoneNumbers numbers;
    private final Clock clock;

    public DidService(RegistryStore store, PhoneNumbers numbers, Clock clock) {
        this.store = store;
        this.numbers = numbers;
        this.clock = clock;
    }

    public DidDoc get(String rawNumber) {
        String e164 = e164(rawNumber);
        DidDoc doc = store.read(store.keys().did(e164), DidDoc.class);
        if (doc == null) throw ApiException.notFound("trunk binding of " + e164);
        return doc;
    }

    public Written<DidDoc> put(String rawNumber, String bodyText, IfMatch ifMatch) {
        String e164 = e164(rawNumber);
        Body b = Body.parse(bodyText, FIELDS);
        if (b.has("number") && !e164.equals(e164(b.string("number")))) {
            throw ApiException.badRequest("number", "the body's number differs from the path's " + e164);
        }
        String trunk = b.string("trunk");
        if (trunk == null) throw ApiException.unprocessable("trunk", "is required: the trunk the number's calls arrive on");
        Ids.ref(trunk, "trunk");
        return store.update(() -> {
            String key = store.keys().did(e164);
            String currentJson = store.get(key);
            DidDoc current = RegistryStore.decode(currentJson, DidDoc.class);
            ifMatch.check(current == null ? null : current.version());
            String trunkKey = store.keys().trunk(trunk);
            String trunkJson = store.get(trunkKey);
            if (trunkJson == null) throw ApiException.unprocessable("trunk", "trunk " + trunk + " is unknown");
            DidDoc next = new DidDoc(e164, trunk, store.nextVersion(), clock.instant());
            store.commit(new Change().expect(key, currentJson).expect(trunkKey, trunkJson)
                    .set(key, RegistryStore.encode(next)).sadd(store.keys().dids(), e164)
                    .publish(Topics.REGISTRY_DIDS.name(), e164, RegistryStore.tree(next)));
            return new Written<>(next, current == null, next.version());
        });
    }

    public void delete(String rawNumber, IfMatch ifMatch) {
        String e164 = e164(rawNumber);
        store.update(() -> {
            String key = store.keys().did(e164);
            String currentJson = store.get(key);
            DidDoc current = RegistryStore.decode(currentJson, DidDoc.class);
            if (current == null) throw ApiException.notFound("trunk binding of " + e164);
            ifMatch.check(current.version());
            store.commit(new Change().expect(key, currentJson).del(key).srem(store.keys().dids(), e164)
                    .publish(Topics.REGISTRY_DIDS.name(), e164, null));
            return null;
        });
    }

    /** The number in E.164 (read in the registry's default region when national); 422 when it is none. */
    private String e164(String raw) {
        try {
            return numbers.parse(raw, null).e164();
        } catch (InvalidNumberException e) {
            throw ApiException.unprocessable("number", e.getMessage());
        }
    }
}
