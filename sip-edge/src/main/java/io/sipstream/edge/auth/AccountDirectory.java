package io.sipstream.edge.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipstream.platform.credentials.SipCredentials;
import io.sipstream.platform.http.Json;
import io.sipstream.platform.redis.RedisKeys;
import redis.clients.jedis.UnifiedJedis;

/**
 * The accounts' SIP identities as number-registry keeps them in Redis: the account a digest
 * username belongs to, its HA1 values and whether it is enabled. Blocking: call off SIP threads.
 */
public final class AccountDirectory {
    private final UnifiedJedis redis;
    private final RedisKeys keys;
    private final String domain;

    public AccountDirectory(UnifiedJedis redis, RedisKeys keys, String domain) {
        this.redis = redis;
        this.keys = keys;
        this.domain = domain;
    }

    /** The account of a SIP username in the edge's domain, or null. */
    public String accountOf(String username) {
        return redis.get(keys.sipUser(domain, username));
    }

    public SipCredentials credentials(String accountId) {
        return SipCredentials.fromHash(redis.hgetAll(keys.credentials(accountId)));
    }

    /** False when the account is gone or its registry document says enabled=false. */
    public boolean enabled(String accountId) {
        String json = redis.get(keys.account(accountId));
        if (json == null) return false;
        try {
            JsonNode node = Json.MAPPER.readTree(json);
            JsonNode enabled = node.get("enabled");
            return enabled == null || enabled.asBoolean(true);
        } catch (Exception e) {
            return false; // an unreadable record never authorises calls
        }
    }
}
