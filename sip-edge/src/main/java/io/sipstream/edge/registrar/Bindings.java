package io.sipstream.edge.registrar;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import io.sipstream.platform.http.Json;
import io.sipstream.platform.redis.RedisKeys;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.UnifiedJedis;

/**
 * The registrar's bindings in Redis: a hash per account ({@code location(accountId)}) of contact
 * URI to binding JSON. Expired bindings are filtered on read and removed lazily; the key itself
 * expires with its longest binding, so an account that stops registering leaves nothing behind.
 * Blocking: call off SIP threads.
 */
public final class Bindings {
    /** Lenient: a field a later version adds must not make this one drop the binding as unreadable. */
    private static final ObjectReader READER = Json.MAPPER.readerFor(Binding.class)
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final UnifiedJedis redis;
    private final RedisKeys keys;

    public Bindings(UnifiedJedis redis, RedisKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    /** The live bindings of an account, freshest first. */
    public List<Binding> current(String accountId, long nowMillis) {
        Map<String, String> all = redis.hgetAll(keys.location(accountId));
        List<Binding> live = new ArrayList<>();
        List<String> dead = new ArrayList<>();
        for (var e : all.entrySet()) {
            Binding b = parse(e.getValue());
            if (b == null || b.expired(nowMillis)) dead.add(e.getKey());
            else live.add(b);
        }
        if (!dead.isEmpty()) redis.hdel(keys.location(accountId), dead.toArray(String[]::new));
        live.sort(Comparator.comparingLong(Binding::expiresAt).reversed());
        return live;
    }

    public void put(String accountId, Binding binding) {
        String key = keys.location(accountId);
        redis.hset(key, binding.contact(), write(binding));
        long ttlMillis = redis.pttl(key);
        long needed = binding.expiresAt() - System.currentTimeMillis();
        if (ttlMillis < needed) redis.pexpire(key, Math.max(1000, needed));
    }

    public void remove(String accountId, String contact) { redis.hdel(keys.location(accountId), contact); }

    public void removeAll(String accountId) { redis.del(keys.location(accountId)); }

    private static String write(Binding b) {
        try {
            return Json.MAPPER.writeValueAsString(b);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Binding parse(String json) {
        try {
            return READER.readValue(json);
        } catch (Exception e) {
            return null;
        }
    }
}
