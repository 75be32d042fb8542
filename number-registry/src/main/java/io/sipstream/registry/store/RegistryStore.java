package io.sipstream.registry.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.sipstream.platform.accounts.AccountDoc;
import io.sipstream.platform.http.ApiException;
import io.sipstream.platform.http.Json;
import io.sipstream.platform.redis.RedisKeys;
import io.sipstream.registry.rest.IfMatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The registry in Redis, the source of truth. Reads are plain GETs; every write is a {@link Change}
 * committed by one Lua script that first checks the keys still hold what was read (optimistic
 * concurrency, like WATCH/MULTI but in one round trip and in every Redis mode), then applies the
 * mutations and appends the change's records to the outbox, all atomically. The outbox publisher
 * drains the outbox to Kafka in order.
 *
 * <p>Keys beyond {@link RedisKeys}' own: {@code registry:outbox} (list of "seq|json" entries),
 * {@code registry:outbox:seq} (counter), {@code registry:version} (counter of record versions),
 * {@code registry:epoch} (marker that the topics were reconciled with this Redis's data) and
 * {@code registry:publisher:lease} (which instance drains the outbox).
 */
public final class RegistryStore {
    private static final int MAX_ATTEMPTS = 50;

    static final String COMMIT = """
            local a = 1
            local checks = tonumber(ARGV[a]); a = a + 1
            for c = 1, checks do
              local key = KEYS[tonumber(ARGV[a])]
              local mode = ARGV[a + 1]
              local want = ARGV[a + 2]
              a = a + 3
              local have = redis.call('GET', key)
              if mode == 'absent' then
                if have then return 'conflict:' .. key end
              elseif have ~= want then
                return 'conflict:' .. key
              end
            end
            local ops = tonumber(ARGV[a]); a = a + 1
            for o = 1, ops do
              local op = ARGV[a]
              local key = KEYS[tonumber(ARGV[a + 1])]
              local n = tonumber(ARGV[a + 2])
              a = a + 3
              if op == 'OUTBOX' then
                local seq = redis.call('INCR', KEYS[1])
                redis.call('RPUSH', KEYS[2], seq .. '|' .. ARGV[a])
              elseif n == 0 then
                redis.call(op, key)
              else
                redis.call(op, key, unpack(ARGV, a, a + n - 1))
              end
              a = a + n
            end
            return 'ok'
            """;

    static final String TRIM = """
            local n = 0
            for i = 1, #ARGV do
              local head = redis.call('LINDEX', KEYS[1], 0)
              if not head then break end
              local bar = string.find(head, '|', 1, true)
              local id = bar and string.sub(head, 1, bar - 1) or head
              if id ~= ARGV[i] then break end
              redis.call('LPOP', KEYS[1])
              n = n + 1
            end
            return n
            """;

    static final String LEASE = """
            local holder = redis.call('GET', KEYS[1])
            if (not holder) or holder == ARGV[1] then
              redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
              return 1
            end
            return 0
            """;

    private static final ObjectReader LENIENT = Json.MAPPER.reader().without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final UnifiedJedis redis;
    private final RedisKeys keys;
    private volatile Runnable onCommit = () -> {};

    public RegistryStore(UnifiedJedis redis, RedisKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    public RedisKeys keys() { return keys; }

    public UnifiedJedis redis() { return redis; }

    public String outboxKey() { return keys.other("registry:outbox"); }

    public String outboxSeqKey() { return keys.other("registry:outbox:seq"); }

    public String versionKey() { return keys.other("registry:version"); }

    public String epochKey() { return keys.other("registry:epoch"); }

    public String leaseKey() { return keys.other("registry:publisher:lease"); }

    /** Sorted set, every score 0: the account ids in byte order, the pages of {@code GET /v1/accounts}. */
    public String accountIndexKey() { return keys.other("registry:index:accounts"); }

    /** Sorted set, every score 0: the trunk ids in byte order, the pages of {@code GET /v1/trunks}. */
    public String trunkIndexKey() { return keys.other("registry:index:trunks"); }

    /** Sorted set, every score 0: the route ids in byte order, the pages of {@code GET /v1/routes}. */
    public String routeIndexKey() { return keys.other("registry:index:routes"); }

    /** Called after every successful commit that wrote outbox entries (the publisher wakes up). */
    public void onCommit(Runnable listener) { this.onCommit = listener == null ? () -> {} : listener; }

    // ---- reads

    public String get(String key) { return call(() -> redis.get(key)); }

    public Map<String, String> hgetAll(String key) { return call(() -> redis.hgetAll(key)); }

    public boolean exists(String key) { return call(() -> redis.exists(key)); }

    public Set<String> members(String key) { return call(() -> redis.smembers(key)); }

    public <T> T read(String key, Class<T> type) { return decode(get(key), type); }

    /** The records of some keys, in their order, null where one is gone: what a page of an index loads. */
    public <T> List<T> readAll(List<String> keys, Class<T> type) {
        return getAll(keys).stream().map(json -> decode(json, type)).toList();
    }

    /** Up to {@code count} members of a sorted index after {@code afterExclusive} (null: from the first), in order. */
    public List<String> indexRange(String indexKey, String afterExclusive, int count) {
        return call(() -> redis.zrangeByLex(indexKey, afterExclusive == null ? "-" : "(" + afterExclusive, "+", 0, count));
    }

    /** The values of the keys, in their order (null where a key is absent). */
    public List<String> getAll(List<String> keys) {
        if (keys.isEmpty()) return List.of();
        return call(() -> redis.mget(keys.toArray(String[]::new)));
    }

    /**
     * Makes the sorted index hold exactly the members of the set it indexes. Every write keeps both in one
     * commit; this fills the index of data written before the index existed (an upgrade, an import into
     * Redis) and drops ids no longer in the set. A page skips an id without a record anyway.
     */
    public void syncIndex(String setKey, String indexKey) {
        if (call(() -> redis.scard(setKey)).longValue() == call(() -> redis.zcard(indexKey)).longValue()) return;
        call(() -> {
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                var page = redis.sscan(setKey, cursor, new ScanParams().count(1000));
                Map<String, Double> members = new java.util.HashMap<>();
                page.getResult().forEach(id -> members.put(id, 0.0));
                if (!members.isEmpty()) redis.zadd(indexKey, members);
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
            String after = null;
            for (List<String> ids; !(ids = indexRange(indexKey, after, 1000)).isEmpty(); after = ids.get(ids.size() - 1)) {
                List<Boolean> present = redis.smismember(setKey, ids.toArray(String[]::new));
                for (int i = 0; i < ids.size(); i++) if (!present.get(i)) redis.zrem(indexKey, ids.get(i));
            }
            return null;
        });
    }

    /** The next record version: one counter for every record, so a deleted and re-created record never repeats an ETag. */
    public long nextVersion() { return call(() -> redis.incr(versionKey())); }

    public static <T> T decode(String json, Class<T> type) {
        if (json == null) return null;
        try {
            return LENIENT.readValue(json, type);
        } catch (IOException e) {
            throw new UncheckedIOException("stored record is not readable as " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    public static String encode(Object doc) {
        try {
            return Json.MAPPER.writeValueAsString(doc);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode tree(Object doc) { return Json.MAPPER.valueToTree(doc); }

    // ---- accounts, which every service but the trunks' changes

    /** An account as a change read it: {@code doc} is null when there is none, and the commit must still find {@code json} under {@code key}. */
    public record AccountRead(String key, String json, AccountDoc doc) {
        /** A change that commits only while the account is as read (else {@link ConflictException}, and {@link #update} reads again). */
        public Change change() { return new Change().expect(key, json); }
    }

    /** The account under its key, as stored (see {@link AccountDoc}). */
    public AccountRead readAccount(String id) {
        String key = keys.account(id);
        String json = get(key);
        try {
            return new AccountRead(key, json, AccountDoc.read(json));
        } catch (IOException e) {
            throw new UncheckedIOException("stored account " + id + " is not readable: " + e.getMessage(), e);
        }
    }

    /** The account to show: 404 when there is none. */
    public AccountDoc account(String id) {
        AccountDoc doc = readAccount(id).doc();
        if (doc == null) throw ApiException.notFound("account " + id);
        return doc;
    }

    /**
     * The account that a change of it starts from (inside {@link #update}): 404 when there is none, 412 when the
     * request's If-Match or If-None-Match does not hold for its version.
     */
    public AccountRead accountToChange(String id, IfMatch ifMatch) {
        AccountRead read = readAccount(id);
        if (read.doc() == null) throw ApiException.notFound("account " + id);
        ifMatch.check(read.doc().version());
        return read;
    }

    // ---- writes

    /** Applies a change atomically; throws {@link ConflictException} when a checked key changed since it was read. */
    public void commit(Change change) {
        if (change.isEmpty()) return;
        Object result = call(() -> redis.eval(COMMIT, change.keys(outboxSeqKey(), outboxKey()), change.args()));
        String answer = String.valueOf(result);
        if (answer.startsWith("conflict:")) throw new ConflictException(answer.substring("conflict:".length()));
        if (!"ok".equals(answer)) throw new IllegalStateException("unexpected answer from the commit script: " + answer);
        if (change.outboxEntries() > 0) onCommit.run();
    }

    /**
     * Runs read-validate-commit until it commits without a conflict: concurrent writers to the same
     * record each apply in turn (or get 412 from their If-Match) instead of overwriting each other.
     */
    public <T> T update(Supplier<T> attempt) {
        for (int i = 1; ; i++) {
            try {
                return attempt.get();
            } catch (ConflictException e) {
                if (i >= MAX_ATTEMPTS) {
                    throw new ApiException(409, null, "too many concurrent changes of the same record; try again");
                }
                backOff(i);
            }
        }
    }

    /** Jittered, growing pause so that racing writers stop colliding. */
    private static void backOff(int attempt) {
        try {
            Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextInt(0, 1 + Math.min(attempt, 10) * 2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, null, "interrupted");
        }
    }

    // ---- outbox

    public long outboxDepth() { return call(() -> redis.llen(outboxKey())); }

    public List<String> peekOutbox(int max) { return call(() -> redis.lrange(outboxKey(), 0, max - 1L)); }

    /**
     * Removes published entries from the head of the outbox: pops while the head is the next of
     * {@code ids} (see {@link OutboxEntry#idOf}), so an entry that another drainer already removed,
     * or one not yet published, is never taken by mistake. Returns how many went.
     */
    public long trimOutbox(List<String> ids) {
        if (ids.isEmpty()) return 0;
        Object n = call(() -> redis.eval(TRIM, List.of(outboxKey()), ids));
        return n instanceof Number number ? number.longValue() : 0;
    }

    /** Takes or renews the publisher lease; false when another instance holds it. */
    public boolean holdLease(String holder, long ttlMillis) {
        Object r = call(() -> redis.eval(LEASE, List.of(leaseKey()), List.of(holder, Long.toString(ttlMillis))));
        return r instanceof Number n && n.longValue() == 1;
    }

    public void releaseLease(String holder) {
        call(() -> redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
                List.of(leaseKey()), List.of(holder)));
    }

    /** Runs a Lua script (a registry record's atomic check-and-set); Redis errors become 503 like every command. */
    public Object script(String lua, List<String> keys, List<String> args) { return call(() -> redis.eval(lua, keys, args)); }

    /** Marks this Redis's data as reconciled with the topics (see the publisher). */
    public void markEpoch(String value) { call(() -> redis.set(epochKey(), value)); }

    public boolean ping() { return "PONG".equalsIgnoreCase(call(() -> redis.ping())); }

    /** Every key matching a glob under the prefix (SCAN, never KEYS). */
    public List<String> scan(String glob) {
        List<String> out = new ArrayList<>();
        call(() -> {
            redis.scanIteration(500, glob).collect(out);
            return null;
        });
        return out;
    }

    /**
     * Runs a command, again on a broken pooled connection (after a Redis restart the pool still holds
     * connections to the old process; each failure discards one). Every command here is safe to
     * repeat: a commit whose reply was lost fails its checks the second time and is re-read by
     * {@link #update}. Redis errors become 503 for the REST API.
     */
    private static <T> T call(Supplier<T> op) {
        for (int attempt = 1; ; attempt++) {
            try {
                return op.get();
            } catch (JedisConnectionException e) {
                if (attempt >= 3) throw new RedisUnavailableException(e);
            } catch (JedisException e) {
                throw new RedisUnavailableException(e);
            }
        }
    }

    /** Redis did not answer or refused the command. */
    public static final class RedisUnavailableException extends ApiException {
        public RedisUnavailableException(JedisException cause) {
            super(503, null, "the registry's Redis is unavailable: " + cause.getMessage());
            initCause(cause);
        }
    }
}
