package io.sipstream.registry.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One atomic registry write: what the keys must still hold (read earlier, outside the
 * transaction), the mutations, and the outbox entries that publish the change. {@link RegistryStore#commit}
 * applies it in a single Lua script, so either everything lands, outbox included, or nothing does.
 */
public final class Change {
    private final Map<String, Integer> keyIndex = new LinkedHashMap<>();
    private final List<String> checks = new ArrayList<>();
    private final List<String> ops = new ArrayList<>();
    private int checkCount;
    private int opCount;
    private int outboxCount;

    /** The key must hold exactly {@code value} at commit time; null means the key must not exist. */
    public Change expect(String key, String value) {
        checks.add(Integer.toString(index(key)));
        checks.add(value == null ? "absent" : "eq");
        checks.add(value == null ? "" : value);
        checkCount++;
        return this;
    }

    public Change set(String key, String value) { return op("SET", key, value); }

    public Change del(String key) { return op("DEL", key); }

    public Change sadd(String key, String member) { return op("SADD", key, member); }

    public Change srem(String key, String member) { return op("SREM", key, member); }

    /** Adds to a sorted index (every score 0: the members sort by their bytes, for ZRANGEBYLEX pages). */
    public Change index(String key, String member) { return op("ZADD", key, "0", member); }

    public Change unindex(String key, String member) { return op("ZREM", key, member); }

    public Change hset(String key, Map<String, String> fields) {
        List<String> args = new ArrayList<>();
        fields.forEach((f, v) -> { args.add(f); args.add(v); });
        return op("HSET", key, args.toArray(String[]::new));
    }

    /** Publishes {@code value} (null: a tombstone) under {@code recordKey} on a registry topic, in commit order. */
    public Change publish(String topic, String recordKey, JsonNode value) {
        ObjectNode entry = JsonNodeFactory.instance.objectNode();
        entry.put("topic", topic);
        entry.put("key", recordKey);
        entry.set("value", value == null ? JsonNodeFactory.instance.nullNode() : value);
        ops.add("OUTBOX");
        ops.add("1");
        ops.add("1");
        ops.add(entry.toString());
        opCount++;
        outboxCount++;
        return this;
    }

    public boolean isEmpty() { return opCount == 0; }

    public int outboxEntries() { return outboxCount; }

    private Change op(String name, String key, String... args) {
        ops.add(name);
        ops.add(Integer.toString(index(key)));
        ops.add(Integer.toString(args.length));
        ops.addAll(List.of(args));
        opCount++;
        return this;
    }

    /** KEYS index (1-based, after the two fixed outbox keys). */
    private int index(String key) {
        return keyIndex.computeIfAbsent(key, k -> keyIndex.size() + 3);
    }

    List<String> keys(String outboxSeqKey, String outboxKey) {
        List<String> keys = new ArrayList<>();
        keys.add(outboxSeqKey);
        keys.add(outboxKey);
        keys.addAll(keyIndex.keySet());
        return keys;
    }

    List<String> args() {
        List<String> args = new ArrayList<>();
        args.add(Integer.toString(checkCount));
        args.addAll(checks);
        args.add(Integer.toString(opCount));
        args.addAll(ops);
        return args;
    }
}
