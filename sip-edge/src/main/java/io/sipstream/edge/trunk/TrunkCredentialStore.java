package io.sipstream.edge.trunk;

import io.sipstream.platform.redis.RedisKeys;
import io.sipstream.platform.secrets.SecretBox;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;

/**
 * Reads a trunk's digest credentials from Redis ({@code trunkCredentials(trunkId)}: username,
 * SecretBox-sealed secret, realm) and opens the secret with {@code secrets.key}. Blocking.
 */
public final class TrunkCredentialStore {
    private static final Logger log = LoggerFactory.getLogger(TrunkCredentialStore.class);
    private final UnifiedJedis redis;
    private final RedisKeys keys;
    private final SecretBox box;

    /** box null: no secrets.key configured, so no trunk can be authenticated to. */
    public TrunkCredentialStore(UnifiedJedis redis, RedisKeys keys, SecretBox box) {
        this.redis = redis;
        this.keys = keys;
        this.box = box;
    }

    public Optional<TrunkCredentials> find(String trunkId) {
        if (box == null) {
            log.warn("trunk {} asks for credentials but secrets.key is not set", trunkId);
            return Optional.empty();
        }
        Map<String, String> hash = redis.hgetAll(keys.trunkCredentials(trunkId));
        if (hash == null || hash.get("username") == null || hash.get("secret") == null) return Optional.empty();
        try {
            return Optional.of(new TrunkCredentials(hash.get("username"), box.open(hash.get("secret")), hash.get("realm")));
        } catch (IllegalArgumentException e) {
            log.warn("trunk {}: {}", trunkId, e.getMessage());
            return Optional.empty();
        }
    }
}
