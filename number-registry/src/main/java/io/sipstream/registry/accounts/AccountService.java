package io.sipstream.registry.accounts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sipstream.platform.accounts.AccountDoc;
import io.sipstream.platform.http.ApiException;
import io.sipstream.registry.numbers.PhoneNumbers;
import io.sipstream.registry.numbers.PhoneNumbers.InvalidNumberException;
import io.sipstream.registry.rest.Body;
import io.sipstream.registry.rest.Hosts;
import io.sipstream.registry.rest.IfMatch;
import io.sipstream.registry.rest.Ids;
import io.sipstream.registry.rest.MediaModes;
import io.sipstream.registry.rest.Pages;
import io.sipstream.registry.store.Change;
import io.sipstream.registry.store.RegistryStore;
import io.sipstream.registry.store.Written;
import io.sipstream.schemas.Topics;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Accounts: create or replace, read, delete. A PUT replaces every writable field (absent ones take
 * their defaults) but keeps the account's numbers and dial plan, which have their own endpoints.
 */
public final class AccountService {
    public static final Set<String> WRITABLE = Set.of("displayName", "enabled", "region", "defaultCallerId",
            "outboundTrunk", "prepaid", "sipUsername", "outboundHost", "allowedCountries", "maxConcurrentCalls",
            "maxCallsPerSecond", "creditLimit", "allowUnratedCalls", "currency", "rateDeckId", "monthlyMinutes", "forwardTarget",
            "noAnswerTarget", "noAnswerSeconds", "busyTarget", "unavailableTarget", "failureTarget", "emergencyTrunk", "media");
    /** Fields of a GET that a PUT may carry back unchanged (a read-modify-write). */
    public static final Set<String> READ_ONLY = Set.of("id", "sipDomain", "numbers", "dialPlan", "version", "updatedAt");
    private static final Set<String> FIELDS;
    static {
        var all = new java.util.HashSet<>(WRITABLE);
        all.addAll(READ_ONLY);
        FIELDS = Set.copyOf(all);
    }
    private static final Pattern SIP_USER = Pattern.compile("[A-Za-z0-9._~+-]{1,64}");
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final Pattern SIP_URI = Pattern.compile("sips?:[^\\s<>\"]{1,250}");

    private final RegistryStore store;
    private final PhoneNumbers numbers;
    private final String domain;
    private final Clock clock;

    public AccountService(RegistryStore store, PhoneNumbers numbers, String domain, Clock clock) {
        this.store = store;
        this.numbers = numbers;
        this.domain = domain;
        this.clock = clock;
    }

    public String domain() { return domain; }

    public AccountDoc get(String id) { return store.account(Ids.path(id, "id")); }

    /**
     * A page of accounts in id order, as {@link #view} shows each; with {@code q}, only those whose id or
     * display name holds it (ignoring case) or, when it is a number of 3 digits or more, one of whose numbers
     * holds its digits.
     */
    public Pages.Page<ObjectNode> list(Pages.Request page, String q) {
        if (q != null && q.length() > 100) throw ApiException.badRequest("q", "is longer than 100 characters");
        store.syncIndex(store.keys().accounts(), store.accountIndexKey());
        Pages.Page<AccountDoc> docs = Pages.fromIndex(store, store.accountIndexKey(), page, this::read,
                q == null || q.isBlank() ? null : matching(q.trim()));
        return new Pages.Page<>(docs.items().stream().map(this::view).toList(), docs.next());
    }

    private List<AccountDoc> read(List<String> ids) {
        List<String> json = store.getAll(ids.stream().map(store.keys()::account).toList());
        List<AccountDoc> docs = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            try {
                docs.add(AccountDoc.read(json.get(i)));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("stored account " + ids.get(i) + " is not readable: " + e.getMessage(), e);
            }
        }
        return docs;
    }

    static java.util.function.Predicate<AccountDoc> matching(String q) {
        String text = q.toLowerCase(Locale.ROOT);
        String digits = q.replaceAll("[\\s().+-]", "");
        boolean number = digits.matches("\\d{3,}");
        return a -> a.id().toLowerCase(Locale.ROOT).contains(text)
                || (a.displayName() != null && a.displayName().toLowerCase(Locale.ROOT).contains(text))
                || (number && a.numbers().stream().anyMatch(n -> n.contains(digits)));
    }

    public boolean exists(String id) { return store.exists(store.keys().account(id)); }

    /** The JSON the API shows: the stored document plus the configured SIP domain. */
    public ObjectNode view(AccountDoc doc) {
        ObjectNode node = (ObjectNode) RegistryStore.tree(doc);
        node.put("sipDomain", domain);
        node.put("allowUnratedCalls", doc.allowUnratedCalls()); // stored only when true, shown always
        node.put("emergencyTrunk", doc.emergencyTrunk()); // stored only when set, shown always
        return node;
    }

    public Written<AccountDoc> put(String id, String bodyText, IfMatch ifMatch) {
        Ids.path(id, "id");
        Body body = Body.parse(bodyText, FIELDS);
        return store.update(() -> {
            RegistryStore.AccountRead read = store.readAccount(id);
            AccountDoc current = read.doc();
            ifMatch.check(current == null ? null : current.version());
            checkReadOnly(body, id, current);
            AccountDoc fields = fromBody(body, id, current);
            long version = store.nextVersion();
            AccountDoc next = fields.withVersion(version, clock.instant());
            Change change = read.change().set(read.key(), RegistryStore.encode(next))
                    .sadd(store.keys().accounts(), id).index(store.accountIndexKey(), id);
            String userKey = store.keys().sipUser(domain, next.sipUsername());
            if (current == null || !current.sipUsername().equals(next.sipUsername())) {
                String owner = store.get(userKey);
                if (owner != null && !owner.equals(id)) {
                    throw ApiException.conflict("sipUsername", "SIP username '" + next.sipUsername() + "' is taken");
                }
                change.expect(userKey, owner).set(userKey, id);
                if (current != null) {
                    // the digest HA1 includes the username: the old password cannot authenticate the new name
                    String oldKey = store.keys().sipUser(domain, current.sipUsername());
                    if (id.equals(store.get(oldKey))) change.expect(oldKey, id).del(oldKey);
                    change.del(store.keys().credentials(id));
                }
            }
            change.publish(Topics.REGISTRY_ACCOUNTS.name(), id, RegistryStore.tree(next));
            store.commit(change);
            return new Written<>(next, current == null, next.version());
        });
    }

    /** Deletes the account and frees its numbers, SIP username and credentials. */
    public void delete(String id, IfMatch ifMatch) {
        Ids.path(id, "id");
        store.update(() -> {
            RegistryStore.AccountRead read = store.accountToChange(id, ifMatch);
            AccountDoc current = read.doc();
            Change change = read.change();
            for (String number : current.numbers()) {
                String numberKey = store.keys().number(number);
                if (id.equals(store.get(numberKey))) {
                    change.expect(numberKey, id).del(numberKey);
                    change.publish(Topics.REGISTRY_NUMBERS.name(), number, null);
                }
            }
            String userKey = store.keys().sipUser(domain, current.sipUsername());
            if (id.equals(store.get(userKey))) change.expect(userKey, id).del(userKey);
            change.del(store.keys().credentials(id)).del(read.key()).srem(store.keys().accounts(), id)
                    .unindex(store.accountIndexKey(), id);
            change.publish(Topics.REGISTRY_ACCOUNTS.name(), id, null);
            store.commit(change);
            return null;
        });
    }

    /** Read-only fields may come back from a GET, but not changed. */
    private void checkReadOnly(Body body, String id, AccountDoc current) {
        if (body.has("id") && !id.equals(body.string("id"))) {
            throw ApiException.badRequest("id", "the body's id '" + body.string("id") + "' differs from the path's '" + id + "'");
        }
        if (body.has("sipDomain") && !domain.equals(body.string("sipDomain"))) {
            throw ApiException.unprocessable("sipDomain", "is the registry's configured domain '" + domain + "' and cannot be set per account");
        }
        if (body.has("numbers")) {
            List<String> given = body.strings("numbers");
            List<String> have = current == null ? List.of() : current.numbers();
            if (!Set.copyOf(given).equals(Set.copyOf(have))) {
                throw ApiException.badRequest("numbers", "is read-only here: use PUT or DELETE /v1/accounts/" + id + "/numbers/{number}");
            }
        }
        if (body.has("dialPlan")) {
            JsonNode have = RegistryStore.tree(current == null ? List.of() : current.dialPlan());
            if (!have.equals(body.raw("dialPlan"))) {
                throw ApiException.badRequest("dialPlan", "is read-only here: use PUT /v1/accounts/" + id + "/dialplan");
            }
        }
    }

    private AccountDoc fromBody(Body b, String id, AccountDoc current) {
        String displayName = b.string("displayName");
        if (displayName != null && displayName.length() > 200) throw ApiException.unprocessable("displayName", "is longer than 200 characters");
        String region = region(b.string("region"), "region");
        if (region == null) region = numbers.defaultRegion();
        String sipUsername = b.string("sipUsername");
        if (sipUsername == null) sipUsername = id;
        if (!SIP_USER.matcher(sipUsername).matches()) {
            throw ApiException.unprocessable("sipUsername", "'" + Ids.abbreviate(sipUsername) + "' is not a valid SIP username (1 to 64 of A-Z a-z 0-9 . _ ~ + -)");
        }
        List<String> owned = current == null ? List.of() : current.numbers();
        String callerId = number(b.string("defaultCallerId"), region, "defaultCallerId");
        if (callerId != null && !owned.isEmpty() && !owned.contains(callerId)) {
            throw ApiException.unprocessable("defaultCallerId", callerId + " is not one of the account's numbers " + owned
                    + ": assign it first with PUT /v1/accounts/" + id + "/numbers/" + callerId);
        }
        if (callerId != null) {
            String owner = store.get(store.keys().number(callerId));
            if (owner != null && !owner.equals(id)) {
                throw ApiException.unprocessable("defaultCallerId", callerId + " belongs to another account");
            }
        }
        String outboundHost = b.string("outboundHost");
        if (outboundHost != null && !Hosts.hostPort(outboundHost)) {
            throw ApiException.unprocessable("outboundHost", "'" + Ids.abbreviate(outboundHost) + "' is not host or host:port");
        }
        List<String> countries = new ArrayList<>();
        List<String> givenCountries = b.strings("allowedCountries");
        if (givenCountries != null) {
            for (int i = 0; i < givenCountries.size(); i++) {
                String c = region(givenCountries.get(i), "allowedCountries[" + i + "]");
                if (!countries.contains(c)) countries.add(c);
            }
        }
        boolean prepaid = b.bool("prepaid", false);
        String creditLimit = null;
        BigDecimal limit = b.amount("creditLimit"); // bounded: its plain form is short
        if (limit != null) {
            if (prepaid) throw ApiException.unprocessable("creditLimit", "is for postpaid accounts; a prepaid account spends its balance");
            if (limit.signum() < 0) throw ApiException.unprocessable("creditLimit", "must not be negative");
            creditLimit = limit.toPlainString();
        }
        boolean allowUnrated = b.bool("allowUnratedCalls", false);
        if (allowUnrated && prepaid) {
            throw ApiException.unprocessable("allowUnratedCalls", "is for postpaid accounts; a prepaid call needs a rate to be capped by");
        }
        String currency = b.string("currency");
        currency = currency == null ? "USD" : currency.toUpperCase(Locale.ROOT);
        if (!CURRENCY.matcher(currency).matches()) throw ApiException.unprocessable("currency", "'" + Ids.abbreviate(currency) + "' is not an ISO 4217 code such as USD");
        Integer noAnswer = b.integer("noAnswerSeconds", 1, 600);
        return new AccountDoc(id, displayName == null ? "" : displayName, b.bool("enabled", true), sipUsername, region,
                callerId, owned, Ids.ref(b.string("outboundTrunk"), "outboundTrunk"), outboundHost, countries,
                orZero(b.integer("maxConcurrentCalls", 0, 1_000_000)), orZero(b.integer("maxCallsPerSecond", 0, 100_000)),
                prepaid, creditLimit, allowUnrated, currency, Ids.ref(b.string("rateDeckId"), "rateDeckId"),
                b.integer("monthlyMinutes", 0, 100_000_000), target(b.string("forwardTarget"), region, "forwardTarget"),
                target(b.string("noAnswerTarget"), region, "noAnswerTarget"), noAnswer == null ? 25 : noAnswer,
                current == null ? List.of() : current.dialPlan(), 0, null, target(b.string("busyTarget"), region, "busyTarget"),
                target(b.string("unavailableTarget"), region, "unavailableTarget"), target(b.string("failureTarget"), region, "failureTarget"),
                Ids.ref(b.string("emergencyTrunk"), "emergencyTrunk"), MediaModes.read(b.string("media")));
    }


    private static int orZero(Integer i) { return i == null ? 0 : i; }

    private static String region(String given, String field) {
        if (given == null) return null;
        String r = given.toUpperCase(Locale.ROOT);
        if (!PhoneNumbers.knownRegion(r)) throw ApiException.unprocessable(field, "'" + Ids.abbreviate(given) + "' is not an ISO 3166 region code such as US or GB");
        return r;
    }

    private String number(String raw, String region, String field) {
        if (raw == null) return null;
        try {
            return numbers.parse(raw, region).e164();
        } catch (InvalidNumberException e) {
            throw ApiException.unprocessable(field, e.getMessage());
        }
    }

    /** An E.164 number (read in the account's region) or a sip:/sips: URI. */
    private String target(String raw, String region, String field) {
        if (raw == null) return null;
        if (raw.startsWith("sip:") || raw.startsWith("sips:")) {
            if (!SIP_URI.matcher(raw).matches()) throw ApiException.unprocessable(field, "'" + Ids.abbreviate(raw) + "' is not a SIP URI");
            return raw;
        }
        return number(raw, region, field);
    }
}
