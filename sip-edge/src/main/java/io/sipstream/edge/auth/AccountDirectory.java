package io.sipstream.edge.auth;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sipstream.platform.credentials.SipCredentials;
import io.sipstream.platform.http.Json;
import io.sipstream.platform.redis.RedisKeys;
import java.io.IOException;
import redis.clients.jedis.PipelineBase;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;

/**
 * The accounts' SIP identities as number-registry keeps them in Redis: the account a digest
 * username belongs to, its HA1 values and whether it is enabled. Blocking: call off SIP threads.
 */
public final class AccountDirectory {
    private final UnifiedJedis redis;
    private final RedisKeys keys;
    private final String domain;

    /** What authenticating a request needs of an account: its HA1 values (null when it has none) and whether it may call. */
    public record Account(SipCredentials credentials, boolean enabled) {}

    public AccountDirectory(UnifiedJedis redis, RedisKeys keys, String domain) {
        this.redis = redis;
        this.keys = keys;
        this.domain = domain;
    }

    /** The account of a SIP username in the edge's domain, or null. */
    public String accountOf(String username) {
        return redis.get(keys.sipUser(domain, username));
    }

    /**
     * The account's credentials and registry document, read in one round trip (a pipeline): on the INVITE's
     * path every round trip is a wait for the caller. Not enabled when the document is gone or unreadable.
     */
    public Account account(String accountId) {
        Response<java.util.Map<String, String>> credentials;
        Response<String> document;
        try (PipelineBase p = redis.pipelined()) {
            credentials = p.hgetAll(keys.credentials(accountId));
            document = p.get(keys.account(accountId));
            p.sync();
        }
        return new Account(SipCredentials.fromHash(credentials.get()), enabledIn(document.get()));
    }

    /**
     * Whether a registry document lets the account call: its top-level {@code enabled} read as the tree model's
     * {@code asBoolean(true)} read it (absent, null or not a boolean-like value: enabled), but with a streaming
     * parse instead of a tree of the whole document. A gone or unreadable document never authorises.
     */
    static boolean enabledIn(String json) {
        if (json == null) return false;
        try (JsonParser p = Json.MAPPER.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return false;
            boolean enabled = true;
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (name.equals("enabled")) enabled = asBoolean(p, value); // a repeated field: the last one counts
                else p.skipChildren(); // still read to its end: a malformed document stays unreadable
            }
            return enabled;
        } catch (IOException e) {
            return false; // an unreadable record never authorises calls
        }
    }

    /** JsonNode.asBoolean(true) for the value under the parser. */
    private static boolean asBoolean(JsonParser p, JsonToken value) throws IOException {
        return switch (value) {
            case VALUE_TRUE -> true;
            case VALUE_FALSE -> false;
            case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    ? p.getBigIntegerValue().signum() != 0 : p.getLongValue() != 0;
            case VALUE_STRING -> !p.getText().trim().equals("false");
            case START_OBJECT, START_ARRAY -> {
                p.skipChildren();
                yield true;
            }
            default -> true;
        };
    }
}
