package io.sipstream.edge.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.platform.accounts.AccountDoc;
import io.sipstream.platform.accounts.DialRule;
import io.sipstream.platform.config.Settings;
import io.sipstream.platform.credentials.SipCredentials;
import io.sipstream.platform.http.Json;
import io.sipstream.platform.redis.RedisKeys;
import io.sipstream.platform.redis.RedisSettings;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.UnifiedJedis;

/** The account lookups of digest authentication, against the local stack's Redis. */
@ExtendWith(LocalStackExtension.class)
class AccountDirectoryTest {
    private static final String DOMAIN = "sipstream.local";
    private UnifiedJedis redis;
    private RedisKeys keys;
    private AccountDirectory accounts;

    @BeforeEach
    void connect() {
        LocalStack stack = LocalStackExtension.stack();
        Map<String, String> s = new HashMap<>();
        s.put("redis.url", stack.redisUrl());
        stack.redisPassword().ifPresent(p -> s.put("redis.password", p));
        s.put("redis.prefix", "accounts-test-" + System.nanoTime() + ":");
        RedisSettings settings = RedisSettings.from(Settings.of(s));
        redis = settings.connect();
        keys = new RedisKeys(settings.prefix());
        accounts = new AccountDirectory(redis, keys, DOMAIN);
    }

    @AfterEach
    void close() { redis.close(); }

    @Test
    void shouldReadCredentialsAndTheEnabledFlagInOnePipeline() {
        SipCredentials stored = SipCredentials.fromPassword("alice", DOMAIN, "secret");
        redis.set(keys.sipUser(DOMAIN, "alice"), "acc-1");
        redis.hset(keys.credentials("acc-1"), stored.toHash());
        redis.set(keys.account("acc-1"), "{\"accountId\":\"acc-1\",\"plan\":{\"enabled\":false},\"enabled\":true,\"tags\":[1,2]}");

        assertThat(accounts.accountOf("alice")).isEqualTo("acc-1");
        AccountDirectory.Account account = accounts.account("acc-1");
        assertThat(account.enabled()).isTrue();
        assertThat(account.credentials().ha1For(DigestMath.MD5)).isEqualTo(stored.ha1For(DigestMath.MD5));
        assertThat(account.credentials().ha1For(DigestMath.SHA256)).isEqualTo(stored.ha1For(DigestMath.SHA256));

        redis.set(keys.account("acc-1"), "{\"accountId\":\"acc-1\",\"enabled\":false}");
        assertThat(accounts.account("acc-1").enabled()).as("disabled").isFalse();
        redis.del(keys.account("acc-1"));
        assertThat(accounts.account("acc-1").enabled()).as("no registry document").isFalse();
        redis.set(keys.account("acc-1"), "{\"enabled\":true,");
        assertThat(accounts.account("acc-1").enabled()).as("unreadable").isFalse();
    }

    @Test
    void shouldReadTheAccountAsTheRegistryStoresIt() throws Exception {
        redis.set(keys.account("acc-2"), Json.MAPPER.writeValueAsString(registryRecord(false)));
        assertThat(accounts.account("acc-2").enabled()).as("disabled by the registry").isFalse();
        redis.set(keys.account("acc-2"), Json.MAPPER.writeValueAsString(registryRecord(true)));
        assertThat(accounts.account("acc-2").enabled()).as("enabled by the registry").isTrue();
    }

    @Test
    void shouldFindNoCredentialsForAnAccountWithoutThem() {
        assertThat(accounts.accountOf("nobody")).isNull();
        assertThat(accounts.account("acc-none").credentials()).isNull();
        assertThat(accounts.account("acc-none").enabled()).isFalse();
    }

    @Test
    void shouldReadEnabledAsTheTreeModelDid() throws Exception {
        for (String json : List.of("{}", "{\"enabled\":true}", "{\"enabled\":false}", "{\"enabled\":null}",
                "{\"enabled\":0}", "{\"enabled\":2}", "{\"enabled\":0.0}", "{\"enabled\":99999999999999999999999}",
                "{\"enabled\":\"false\"}", "{\"enabled\":\" false \"}", "{\"enabled\":\"true\"}", "{\"enabled\":\"no\"}",
                "{\"enabled\":{\"x\":false}}", "{\"enabled\":[false]}", "{\"enabled\":false,\"enabled\":true}",
                "{\"enabled\":true,\"enabled\":false}", "{\"a\":{\"enabled\":false}}", "{\"a\":[{\"enabled\":false}]}",
                "{\"enabled\":false} trailing", "{\"enabled\":true,\"x\":[1,}")) {
            assertThat(AccountDirectory.enabledIn(json)).as(json).isEqualTo(treeModel(json));
        }
        // where the tree model let anything but an object through, a streaming read refuses: not an account record
        for (String json : List.of("", "[]", "\"x\"", "42", "null")) {
            assertThat(AccountDirectory.enabledIn(json)).as(json).isFalse();
        }
    }

    /** An account as number-registry writes it, numbers and dial plan included. */
    private static AccountDoc registryRecord(boolean enabled) {
        return new AccountDoc("acc-2", "Bob", enabled, "bob", "US", null, List.of("+15551230002"), "t1", null, List.of(),
                0, 0, true, null, false, "USD", null, null, null, null, 25,
                List.of(new DialRule("prefix", "00", 2, "+", null, List.of("t1"), null, null)), 3L, Instant.now(), null, null, null);
    }

    /** How the enabled flag used to be read: the whole document as a tree. */
    private static boolean treeModel(String json) {
        try {
            var enabled = Json.MAPPER.readTree(json).get("enabled");
            return enabled == null || enabled.asBoolean(true);
        } catch (Exception e) {
            return false;
        }
    }
}
