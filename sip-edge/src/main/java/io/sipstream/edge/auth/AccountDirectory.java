package io.sipstream.edge.auth;

import io.sipstream.platform.accounts.AccountDoc;
import io.sipstream.platform.credentials.SipCredentials;
import io.sipstream.platform.redis.RedisKeys;
import java.io.IOException;
import redis.clients.jedis.PipelineBase;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;

/**
 * The accounts' SIP identities as number-registry keeps them in Redis: the account a digest
 * username belongs to, its HA1 values and whether it is enabled (the stored {@link AccountDoc}).
 * Blocking: call off SIP threads.
 */
public final class AccountDirectory {
    private final UnifiedJedis redis;
    private final RedisKeys keys;
    private final String domain;

    /** What authenticating a request needs of an account: its HA1 values (null when it has none) and whether it may call. */
    /** {@code media}: the account's media mode as stored (passthrough, anchor, auto), null when it has none. */
    public record Account(SipCredentials credentials, boolean enabled, String media) {}

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
        AccountDoc doc = readable(document.get());
        return new Account(SipCredentials.fromHash(credentials.get()), doc != null && doc.enabled(), doc == null ? null : doc.media());
    }

    /**
     * Whether a registry document lets the account call: its {@code enabled} as {@link AccountDoc} reads it (absent,
     * null or not a recognisable flag: enabled), binding that field alone, since this runs for every INVITE.
     * A gone or unreadable document never authorises.
     */
    static boolean enabledIn(String json) {
        AccountDoc account = readable(json);
        return account != null && account.enabled();
    }

    /** The document's authorisation fields; null when it is gone or unreadable (an unreadable record never authorises calls). */
    private static AccountDoc readable(String json) {
        try {
            return AccountDoc.readForAuthorization(json);
        } catch (IOException e) {
            return null;
        }
    }
}
