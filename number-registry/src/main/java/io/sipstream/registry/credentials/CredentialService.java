package io.sipstream.registry.credentials;

import io.sipstream.platform.accounts.AccountDoc;
import io.sipstream.platform.credentials.SipCredentials;
import io.sipstream.platform.http.ApiException;
import io.sipstream.registry.rest.Body;
import io.sipstream.registry.rest.IfMatch;
import io.sipstream.registry.rest.Ids;
import io.sipstream.registry.store.RegistryStore;
import io.sipstream.registry.store.Written;
import io.sipstream.schemas.Topics;
import java.time.Clock;
import java.util.List;
import java.util.Set;

/**
 * SIP passwords of accounts. Only the digest HA1 values (MD5 and SHA-256 of username:realm:password)
 * are kept, in {@code cred:<id>}; the password itself is never stored, logged or returned.
 */
public final class CredentialService {
    public static final int MIN_PASSWORD = 8;
    public static final int MAX_PASSWORD = 128;

    private final RegistryStore store;
    private final String domain;
    private final String registrar;
    private final Clock clock;

    public CredentialService(RegistryStore store, String domain, String advertisedHost, int sipPort, Clock clock) {
        this.store = store;
        this.domain = domain;
        this.registrar = (advertisedHost.contains(":") && !advertisedHost.startsWith("[") ? "[" + advertisedHost + "]" : advertisedHost)
                + ":" + sipPort;
        this.clock = clock;
    }

    /** What a softphone needs to register, and whether a password is set; never a secret. */
    public record SipAccount(String username, String domain, String registrar, List<String> transports, boolean passwordSet) {}

    /** Sets the password; created is true when the account had none. */
    public Written<SipAccount> setPassword(String accountId, String bodyText, IfMatch ifMatch) {
        Ids.path(accountId, "id");
        Body body = Body.parse(bodyText, Set.of("password"));
        String password = body.requiredString("password");
        if (password.length() < MIN_PASSWORD) {
            throw ApiException.unprocessable("password", "is too short: at least " + MIN_PASSWORD + " characters");
        }
        if (password.length() > MAX_PASSWORD) {
            throw ApiException.unprocessable("password", "is too long: at most " + MAX_PASSWORD + " characters");
        }
        if (password.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.unprocessable("password", "must not contain control characters");
        }
        return store.update(() -> {
            RegistryStore.AccountRead read = store.accountToChange(accountId, ifMatch);
            AccountDoc account = read.doc();
            String credKey = store.keys().credentials(accountId);
            boolean had = SipCredentials.fromHash(store.hgetAll(credKey)) != null;
            String userKey = store.keys().sipUser(domain, account.sipUsername());
            String owner = store.get(userKey);
            if (owner != null && !owner.equals(accountId)) {
                throw ApiException.conflict("sipUsername", "SIP username '" + account.sipUsername() + "' is taken by another account");
            }
            AccountDoc next = account.withVersion(store.nextVersion(), clock.instant());
            SipCredentials credentials = SipCredentials.fromPassword(account.sipUsername(), domain, password);
            store.commit(read.change().expect(userKey, owner)
                    .set(read.key(), RegistryStore.encode(next))
                    .del(credKey).hset(credKey, credentials.toHash())
                    .set(userKey, accountId)
                    .publish(Topics.REGISTRY_ACCOUNTS.name(), accountId, RegistryStore.tree(next)));
            return new Written<>(new SipAccount(account.sipUsername(), domain, registrar, List.of("udp", "tcp"), true), !had,
                    next.version());
        });
    }

    public SipAccount sip(String accountId) {
        AccountDoc account = store.account(Ids.path(accountId, "id"));
        SipCredentials credentials = SipCredentials.fromHash(store.hgetAll(store.keys().credentials(accountId)));
        boolean set = credentials != null && credentials.username().equals(account.sipUsername()) && domain.equals(credentials.realm());
        return new SipAccount(account.sipUsername(), domain, registrar, List.of("udp", "tcp"), set);
    }
}
