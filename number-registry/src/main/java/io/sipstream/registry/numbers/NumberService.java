package io.sipstream.registry.numbers;

import io.sipstream.platform.accounts.AccountDoc;
import io.sipstream.platform.http.ApiException;
import io.sipstream.registry.numbers.PhoneNumbers.InvalidNumberException;
import io.sipstream.registry.numbers.PhoneNumbers.Parsed;
import io.sipstream.registry.rest.IfMatch;
import io.sipstream.registry.rest.Ids;
import io.sipstream.registry.rest.Pages;
import io.sipstream.registry.store.Change;
import io.sipstream.registry.store.NumberDoc;
import io.sipstream.registry.store.RegistryStore;
import io.sipstream.registry.store.Written;
import io.sipstream.schemas.Topics;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Numbers of accounts: a number (E.164) belongs to at most one account, kept both as
 * {@code number:<e164>} = account id and in the account's number list, changed together.
 */
public final class NumberService {
    private final RegistryStore store;
    private final PhoneNumbers numbers;
    private final Clock clock;

    public NumberService(RegistryStore store, PhoneNumbers numbers, Clock clock) {
        this.store = store;
        this.numbers = numbers;
        this.clock = clock;
    }

    /** A number's owner as the API shows it. */
    public record Assignment(String number, String accountId, String region, long accountVersion) {}

    public Parsed parse(String raw, String region) {
        try {
            return numbers.parse(raw, region);
        } catch (InvalidNumberException e) {
            throw ApiException.unprocessable("number", e.getMessage());
        }
    }

    /** Gives the number to the account: 201 when new, 200 when the account already had it, 409 when another has it. */
    public Written<Assignment> assign(String accountId, String rawNumber, IfMatch ifMatch) {
        Ids.path(accountId, "id");
        return store.update(() -> {
            RegistryStore.AccountRead read = store.accountToChange(accountId, ifMatch);
            AccountDoc account = read.doc();
            Parsed number = parse(rawNumber, account.region());
            String numberKey = store.keys().number(number.e164());
            String owner = store.get(numberKey);
            if (owner != null && !owner.equals(accountId)) {
                throw ApiException.conflict("number", number.e164() + " is already taken");
            }
            if (owner != null && account.numbers().contains(number.e164())) {
                return new Written<>(new Assignment(number.e164(), accountId, number.region(), account.version()), false, account.version());
            }
            long version = store.nextVersion();
            Instant now = clock.instant();
            List<String> list = new ArrayList<>(account.numbers());
            if (!list.contains(number.e164())) list.add(number.e164());
            AccountDoc next = account.withNumbers(list).withVersion(version, now);
            store.commit(read.change().expect(numberKey, owner)
                    .set(numberKey, accountId).set(read.key(), RegistryStore.encode(next))
                    .publish(Topics.REGISTRY_NUMBERS.name(), number.e164(),
                            RegistryStore.tree(new NumberDoc(number.e164(), accountId, number.region(), version, now)))
                    .publish(Topics.REGISTRY_ACCOUNTS.name(), accountId, RegistryStore.tree(next)));
            return new Written<>(new Assignment(number.e164(), accountId, number.region(), version), true, version);
        });
    }

    /** Takes the number from the account; 404 when the account does not have it. */
    public long release(String accountId, String rawNumber, IfMatch ifMatch) {
        Ids.path(accountId, "id");
        return store.update(() -> {
            RegistryStore.AccountRead read = store.accountToChange(accountId, ifMatch);
            AccountDoc account = read.doc();
            String e164 = parse(rawNumber, account.region()).e164();
            String numberKey = store.keys().number(e164);
            String owner = store.get(numberKey);
            if (!account.numbers().contains(e164) && !accountId.equals(owner)) {
                throw ApiException.notFound("number " + e164 + " of account " + accountId);
            }
            if (e164.equals(account.defaultCallerId())) {
                throw ApiException.conflict("number", e164 + " is the account's defaultCallerId: set another one (or none) first");
            }
            long version = store.nextVersion();
            List<String> list = new ArrayList<>(account.numbers());
            list.remove(e164);
            AccountDoc next = account.withNumbers(list).withVersion(version, clock.instant());
            Change change = read.change().set(read.key(), RegistryStore.encode(next));
            if (accountId.equals(owner)) {
                change.expect(numberKey, owner).del(numberKey).publish(Topics.REGISTRY_NUMBERS.name(), e164, null);
            }
            store.commit(change.publish(Topics.REGISTRY_ACCOUNTS.name(), accountId, RegistryStore.tree(next)));
            return version;
        });
    }

    /** A page of an account's numbers in E.164 order, each as {@link #lookup} shows it. */
    public Pages.Page<Assignment> list(String accountId, Pages.Request page) {
        AccountDoc account = store.account(Ids.path(accountId, "id"));
        List<Assignment> all = account.numbers().stream().sorted()
                .map(n -> new Assignment(n, accountId, regionOf(n), account.version())).toList();
        return Pages.fromList(all, Assignment::number, page);
    }

    private String regionOf(String e164) {
        try {
            return numbers.parse(e164, null).region();
        } catch (InvalidNumberException e) {
            return null; // stored before a libphonenumber update made it invalid: still the account's
        }
    }

    /** Who owns a number (read in the default region when national). */
    public Assignment lookup(String rawNumber) {
        Parsed number = parse(rawNumber, null);
        String owner = store.get(store.keys().number(number.e164()));
        if (owner == null) throw ApiException.notFound("number " + number.e164());
        AccountDoc account = store.readAccount(owner).doc();
        return new Assignment(number.e164(), owner, number.region(), account == null ? 0 : account.version());
    }
}
