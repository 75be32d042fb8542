package io.sipstream.registry.store;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipstream.platform.http.Json;

/**
 * One change waiting to be published: its place in the outbox ({@code seq}, increasing), the topic,
 * the record key and the record as JSON (null for a tombstone). Stored in the Redis list as "seq|json".
 */
public record OutboxEntry(long seq, String topic, String key, JsonNode value) {

    public static OutboxEntry parse(String raw) {
        int bar = raw.indexOf('|');
        if (bar < 1) throw new IllegalArgumentException("outbox entry without a sequence number: " + abbreviate(raw));
        long seq = Long.parseLong(raw.substring(0, bar));
        try {
            JsonNode node = Json.MAPPER.readTree(raw.substring(bar + 1));
            JsonNode value = node.get("value");
            return new OutboxEntry(seq, node.path("topic").asText(), node.path("key").asText(),
                    value == null || value.isNull() ? null : value);
        } catch (Exception e) {
            throw new IllegalArgumentException("outbox entry " + seq + " is not JSON: " + abbreviate(raw), e);
        }
    }

    /** What identifies a raw entry in the list: its sequence number, or the whole text of a malformed one. */
    public static String idOf(String raw) {
        int bar = raw.indexOf('|');
        return bar > 0 ? raw.substring(0, bar) : raw;
    }

    public boolean tombstone() { return value == null; }

    private static String abbreviate(String s) { return s.length() > 120 ? s.substring(0, 120) + "..." : s; }
}
