package io.sipstream.registry.trunks;

import io.sipstream.platform.http.ApiException;
import io.sipstream.platform.net.SourceRule;
import io.sipstream.platform.net.SourceRule.InvalidSourceRuleException;
import io.sipstream.platform.secrets.SecretBox;
import io.sipstream.registry.rest.Body;
import io.sipstream.registry.rest.Hosts;
import io.sipstream.registry.rest.IfMatch;
import io.sipstream.registry.rest.Ids;
import io.sipstream.registry.rest.MediaModes;
import io.sipstream.registry.rest.Pages;
import io.sipstream.registry.store.Change;
import io.sipstream.registry.routes.Destinations;
import io.sipstream.registry.store.Destination;
import io.sipstream.registry.store.RegistryStore;
import io.sipstream.registry.store.RouteDoc;
import io.sipstream.registry.store.TrunkDoc;
import io.sipstream.registry.store.Written;
import io.sipstream.schemas.Topics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * SIP trunks. The outbound digest password is sealed with {@link SecretBox} into
 * {@code trunkcred:<id>} {username, secret, realm}; it is never returned nor published (the topic
 * record says only hasCredentials). A PUT without a password keeps the stored one when the
 * username is unchanged, so a read-modify-write of a trunk does not lose it.
 *
 * <p>A source on a trunk's allow-list calls in without authenticating, so an entry wider than one
 * provider's addresses ({@link SourceRule#wide()}: 0.0.0.0/0, anything shorter than /16) is refused
 * unless the trunk says {@code allowAnySource: true}: a typo must not open the edge to everyone.
 */
public final class TrunkService {
    public static final List<Integer> DEFAULT_FINAL_CODES = List.of(486, 600, 603, 404, 484, 485);
    private static final Set<String> FIELDS = Set.of("host", "port", "transport", "enabled", "allowedCidrs", "allowAnySource",
            "callerIdFormat", "techPrefix", "maxChannels", "allowRefer", "allowRedirect", "finalCodes", "register",
            "username", "password", "realm", "id", "version", "updatedAt", "hasCredentials", "optionsInterval",
            "destinations", "rateDeckId", "diversionHeader", "media");
    private static final Set<String> TRANSPORTS = Set.of("udp", "tcp", "tls");
    private static final Set<String> CALLER_ID_FORMATS = Set.of("e164", "national");
    private static final Set<String> DIVERSION_HEADERS = Set.of("diversion", "history-info", "both");

    private final RegistryStore store;
    private final SecretBox secrets; // null: secrets.key not configured
    private final Clock clock;

    public TrunkService(RegistryStore store, SecretBox secretsOrNull, Clock clock) {
        this.store = store;
        this.secrets = secretsOrNull;
        this.clock = clock;
    }

    public TrunkDoc get(String id) {
        TrunkDoc doc = store.read(store.keys().trunk(Ids.path(id, "id")), TrunkDoc.class);
        if (doc == null) throw ApiException.notFound("trunk " + id);
        return doc;
    }

    /** A page of trunks in id order, as {@link #get} shows each. */
    public Pages.Page<TrunkDoc> list(Pages.Request page) {
        store.syncIndex(store.keys().trunks(), store.trunkIndexKey());
        return Pages.fromIndex(store, store.trunkIndexKey(), page,
                ids -> store.readAll(ids.stream().map(store.keys()::trunk).toList(), TrunkDoc.class), null);
    }

    public Written<TrunkDoc> put(String id, String bodyText, IfMatch ifMatch) {
        Ids.path(id, "id");
        Body b = Body.parse(bodyText, FIELDS);
        if (b.has("id") && !id.equals(b.string("id"))) {
            throw ApiException.badRequest("id", "the body's id '" + b.string("id") + "' differs from the path's '" + id + "'");
        }
        String host = b.requiredString("host");
        if (!Hosts.host(host)) throw ApiException.unprocessable("host", "'" + Ids.abbreviate(host) + "' is not a host name or IP address");
        if (host.startsWith("[")) host = host.substring(1, host.length() - 1);
        Integer port = b.integer("port", 1, 65535);
        String transport = lower(b.string("transport"), "udp");
        if (!TRANSPORTS.contains(transport)) throw ApiException.unprocessable("transport", "'" + Ids.abbreviate(transport) + "' is not udp, tcp or tls");
        List<String> cidrs = new ArrayList<>();
        List<String> givenCidrs = b.strings("allowedCidrs");
        boolean allowAnySource = b.bool("allowAnySource", false);
        if (givenCidrs != null) {
            List<SourceRule> rules = new ArrayList<>();
            for (int i = 0; i < givenCidrs.size(); i++) {
                try {
                    // the edge matches with the same rule: what it could not match is refused here
                    rules.add(SourceRule.parse(givenCidrs.get(i)));
                } catch (InvalidSourceRuleException e) {
                    throw ApiException.unprocessable("allowedCidrs[" + i + "]",
                            "not an address, CIDR block or address:port: " + e.getMessage());
                }
            }
            for (int i = 0; i < rules.size(); i++) {
                SourceRule rule = rules.get(i);
                if (rule.wide() && !allowAnySource) {
                    throw ApiException.badRequest("allowedCidrs[" + i + "]", "'" + rule.canonical() + "' is wider than /"
                            + (rule.ipv6() ? SourceRule.WIDEST_IPV6_PREFIX : SourceRule.WIDEST_IPV4_PREFIX)
                            + ": every source in it could call in as this trunk without authenticating; list the provider's"
                            + " own addresses, or set \"allowAnySource\": true to mean it");
                }
                if (!cidrs.contains(rule.canonical())) cidrs.add(rule.canonical());
            }
        }
        String callerIdFormat = lower(b.string("callerIdFormat"), "e164");
        if (!CALLER_ID_FORMATS.contains(callerIdFormat)) {
            throw ApiException.unprocessable("callerIdFormat", "'" + Ids.abbreviate(callerIdFormat) + "' is not e164 or national");
        }
        String techPrefix = b.string("techPrefix");
        if (techPrefix != null && !techPrefix.matches("[0-9*#]{1,16}")) {
            throw ApiException.unprocessable("techPrefix", "may hold 1 to 16 digits, * and #");
        }
        String diversionHeader = lower(b.string("diversionHeader"), TrunkDoc.DEFAULT_DIVERSION_HEADER);
        if (!DIVERSION_HEADERS.contains(diversionHeader)) {
            throw ApiException.unprocessable("diversionHeader", "'" + Ids.abbreviate(diversionHeader) + "' is not diversion, history-info or both");
        }
        Integer maxChannels = b.integer("maxChannels", 0, 1_000_000);
        Integer optionsInterval = b.integer("optionsInterval", 0, 3600);
        List<Integer> finalCodes = b.integers("finalCodes");
        if (finalCodes == null) {
            finalCodes = DEFAULT_FINAL_CODES;
        } else {
            for (int i = 0; i < finalCodes.size(); i++) {
                if (finalCodes.get(i) < 400 || finalCodes.get(i) > 699) {
                    throw ApiException.unprocessable("finalCodes[" + i + "]", finalCodes.get(i) + " is not a final SIP failure code (400 to 699)");
                }
            }
            finalCodes = List.copyOf(new java.util.LinkedHashSet<>(finalCodes));
        }
        boolean register = b.bool("register", false);
        List<Destination> destinations = Destinations.readAll(b, "destinations");
        String rateDeckId = Ids.ref(b.string("rateDeckId"), "rateDeckId");
        String media = MediaModes.read(b.string("media"));
        String username = b.string("username");
        String password = b.string("password");
        String realm = b.string("realm");
        if (username != null && !username.matches("[^\\s:@]{1,128}")) {
            throw ApiException.unprocessable("username", "must be 1 to 128 characters without spaces, ':' or '@'");
        }
        if (password != null && (password.isEmpty() || password.length() > 256 || password.chars().anyMatch(Character::isISOControl))) {
            throw ApiException.unprocessable("password", "must be 1 to 256 characters without control characters");
        }
        if (realm != null && !realm.matches("[^\\s\"]{1,253}")) throw ApiException.unprocessable("realm", "must be 1 to 253 characters without spaces or quotes");
        if (username == null && (password != null || realm != null)) {
            throw ApiException.unprocessable("username", "is required with " + (password != null ? "password" : "realm"));
        }
        if (password != null && secrets == null) {
            throw ApiException.unprocessable("password", "cannot be stored: the registry has no secrets.key configured");
        }
        String sealed = password == null ? null : secrets.seal(password);
        final String trunkHost = host;
        final List<Integer> codes = finalCodes;
        return store.update(() -> {
            String key = store.keys().trunk(id);
            String credKey = store.keys().trunkCredentials(id);
            String currentJson = store.get(key);
            TrunkDoc current = RegistryStore.decode(currentJson, TrunkDoc.class);
            ifMatch.check(current == null ? null : current.version());
            String secret = sealed;
            Map<String, String> stored = store.hgetAll(credKey);
            if (secret == null && username != null && username.equals(stored.get("username")) && stored.get("secret") != null) {
                secret = stored.get("secret"); // the password was not sent again: keep it
            }
            if (username != null && secret == null) {
                throw ApiException.unprocessable("password", "is required with username (no password is stored for this username yet)");
            }
            boolean hasCredentials = username != null;
            if (register && !hasCredentials) {
                throw ApiException.unprocessable("register", "registering at the provider needs username and password");
            }
            TrunkDoc next = new TrunkDoc(id, trunkHost, port == null ? 5060 : port, transport, b.bool("enabled", true), cidrs,
                    allowAnySource, callerIdFormat, techPrefix, maxChannels == null ? 0 : maxChannels, b.bool("allowRefer", false),
                    b.bool("allowRedirect", false), codes, register, username, realm, hasCredentials,
                    store.nextVersion(), clock.instant(), optionsInterval, destinations, rateDeckId, diversionHeader, media);
            Change change = new Change().expect(key, currentJson).set(key, RegistryStore.encode(next))
                    .sadd(store.keys().trunks(), id).index(store.trunkIndexKey(), id).del(credKey);
            if (hasCredentials) {
                Map<String, String> cred = new LinkedHashMap<>();
                cred.put("username", username);
                cred.put("secret", secret);
                if (realm != null) cred.put("realm", realm);
                change.hset(credKey, cred);
            }
            store.commit(change.publish(Topics.REGISTRY_TRUNKS.name(), id, RegistryStore.tree(next)));
            return new Written<>(next, current == null, next.version());
        });
    }

    public void delete(String id, IfMatch ifMatch) {
        Ids.path(id, "id");
        store.update(() -> {
            String key = store.keys().trunk(id);
            String currentJson = store.get(key);
            TrunkDoc current = RegistryStore.decode(currentJson, TrunkDoc.class);
            if (current == null) throw ApiException.notFound("trunk " + id);
            ifMatch.check(current.version());
            Change change = new Change().expect(key, currentJson);
            List<String> usedBy = new ArrayList<>();
            for (String routeId : new java.util.TreeSet<>(store.members(store.keys().routes()))) {
                String routeKey = store.keys().route(routeId);
                String routeJson = store.get(routeKey);
                RouteDoc route = RegistryStore.decode(routeJson, RouteDoc.class);
                change.expect(routeKey, routeJson); // a route that takes the trunk meanwhile makes this delete try again
                if (route != null && route.trunks().stream().anyMatch(t -> t.trunk().equals(id))) usedBy.add(routeId);
            }
            if (!usedBy.isEmpty()) {
                throw ApiException.conflict("id", "trunk " + id + " is used by route(s) " + String.join(", ", usedBy)
                        + "; take it out of them first");
            }
            store.commit(change.del(key).del(store.keys().trunkCredentials(id))
                    .srem(store.keys().trunks(), id).unindex(store.trunkIndexKey(), id).publish(Topics.REGISTRY_TRUNKS.name(), id, null));
            return null;
        });
    }

    private static String lower(String s, String fallback) { return s == null ? fallback : s.toLowerCase(Locale.ROOT); }
}
