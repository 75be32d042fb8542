package io.sipstream.web.portal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.sipstream.platform.http.AdminServer;
import io.sipstream.platform.http.ApiException;
import io.sipstream.platform.credentials.SipCredentials;
import io.sipstream.platform.http.Json;
import io.sipstream.platform.redis.RedisKeys;
import io.sipstream.web.StaticPages;
import io.sipstream.web.session.Sessions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import redis.clients.jedis.UnifiedJedis;

/**
 * The self-service portal at {@value #PREFIX}: a user signs up with a username (as the operator's
 * {@code portal.signup} allows), logs in with a password (a session cookie and a CSRF token, as the console's;
 * locked after {@code portal.lockout.failures} wrong passwords), takes a number from the operator's pool (the
 * numbers of the account {@code portal.pool.account}), sees the SIP settings (the SIP password only when it is
 * set), the call history and the balance, and calls from the page (the dialpad: JsSIP over the edge's SIP on WebSocket,
 * registered as the user with what {@code POST webphone} issues to the session). Each user is an account of the
 * registry with the username as its id; the portal acts on it through the admin API ({@link AdminApi}).
 */
public final class SelfServicePortal implements AutoCloseable {
    public static final String PREFIX = "/portal/";
    public static final String COOKIE = "sipstream_portal";
    public static final Duration IDLE_TIMEOUT = Duration.ofMinutes(30);
    public static final Duration MAX_AGE = Duration.ofHours(12);
    private static final String API = PREFIX + "api/";
    private static final Pattern USERNAME = Pattern.compile("[a-z0-9][a-z0-9._-]{2,31}");
    static final int MIN_PASSWORD = 10;
    private static final Set<String> ACCOUNT_READ_ONLY = Set.of("id", "sipDomain", "numbers", "dialPlan", "version", "updatedAt");
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The JsSIP bundle the dialpad loads (web/jssip, vendored: README.md there). */
    static final String JSSIP = "jssip-3.13.8.min.js";
    private static final String SIP_PASSWORD_LETTERS = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    private final PortalConfig config;
    private final UnifiedJedis redis;
    private final RedisKeys keys;
    private final PortalUsers users;
    private final Sessions sessions;
    private final AdminApi api;

    private SelfServicePortal(PortalConfig config, UnifiedJedis redis, RedisKeys keys, PortalUsers users, Sessions sessions, AdminApi api) {
        this.config = config;
        this.redis = redis;
        this.keys = keys;
        this.users = users;
        this.sessions = sessions;
        this.api = api;
    }

    /** Mounts the portal's pages and API on the admin server; {@code apiKey} is the server's own. */
    public static SelfServicePortal mount(AdminServer admin, String apiKey, PortalConfig config, Clock clock) {
        UnifiedJedis redis = config.redis().connect();
        RedisKeys keys = new RedisKeys(config.redis().prefix());
        SelfServicePortal portal = new SelfServicePortal(config, redis, keys,
                new PortalUsers(redis, keys, config.lockoutFailures(), config.lockoutDuration(), clock),
                new Sessions(COOKIE, IDLE_TIMEOUT, MAX_AGE, clock), new AdminApi(admin, apiKey));
        StaticPages pages = new StaticPages("web/portal", "index.html", "portal.js", "dialpad.js")
                .with("web/common", StaticPages.COMMON).with("web/jssip", JSSIP)
                .connectingTo(ctx -> {
                    String url = config.dialpad().urlFor(ctx.host(), Sessions.secure(ctx));
                    return url == null ? null : DialpadSocket.origin(url);
                });
        admin.openPrefix(PREFIX).documentation(io.sipstream.web.WebDocument.DOCUMENT);
        admin.routes(app -> {
            app.post(API + "signup", portal::signUp);
            app.post(API + "session", portal::logIn);
            app.get(API + "session", ctx -> ctx.json(Map.of("csrfToken", portal.user(ctx).csrfToken())));
            app.delete(API + "session", ctx -> {
                portal.user(ctx);
                portal.sessions.close(ctx);
                ctx.status(204);
            });
            app.get(API + "me", portal::me);
            app.get(API + "numbers", portal::searchPool);
            app.post(API + "numbers/{number}", portal::takeNumber);
            app.post(API + "sip-password", portal::resetSipPassword);
            app.post(API + "webphone", portal::webPhone);
            app.get(API + "calls", portal::calls);
            pages.mount(app, PREFIX);
        });
        return portal;
    }

    private Sessions.Session user(Context ctx) {
        Sessions.Session session = sessions.current(ctx);
        if (session == null) throw new ApiException(401, null, "not logged in");
        return session;
    }

    private static String text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull() || !node.isTextual() || node.asText().isEmpty()) {
            throw ApiException.badRequest(field, field + " is required");
        }
        if (node.asText().length() > 200) throw ApiException.badRequest(field, "must have at most 200 characters");
        return node.asText();
    }

    private static String path(String segment) { return URLEncoder.encode(segment, StandardCharsets.UTF_8); }

    /** POST signup {@code {username, password, signupCode?}}: idempotent on the username (a retry with the same password). */
    private void signUp(Context ctx) {
        JsonNode body = Json.parseBody(ctx.body());
        String username = text(body, "username").trim().toLowerCase(java.util.Locale.ROOT);
        if (!USERNAME.matcher(username).matches()) {
            throw ApiException.unprocessable("username", "3 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        String password = text(body, "password");
        if (password.length() < MIN_PASSWORD) throw ApiException.unprocessable("password", "must have at least " + MIN_PASSWORD + " characters");
        if (config.signup() == PortalConfig.Signup.CODE) {
            JsonNode code = body.get("signupCode");
            byte[] given = (code == null ? "" : code.asText()).getBytes(StandardCharsets.UTF_8);
            if (!MessageDigest.isEqual(given, config.signupCode().getBytes(StandardCharsets.UTF_8))) {
                throw new ApiException(403, "signupCode", "wrong sign-up code: ask the operator for one");
            }
        }
        PortalUsers.Creation creation = users.create(username, password);
        if (creation == PortalUsers.Creation.TAKEN) throw ApiException.conflict("username", "this username is taken");
        boolean enabled = config.signup() != PortalConfig.Signup.APPROVAL;
        Map<String, Object> account = new LinkedHashMap<>();
        account.put("displayName", username);
        account.put("enabled", enabled);
        account.put("region", config.region());
        account.put("defaultCallerId", null);
        account.put("outboundTrunk", config.trunk());
        account.put("prepaid", true); // a self-service user pays before calling
        // create only, and a retry of the same request gets the first answer (the registry's Idempotency-Key)
        AdminApi.Answer created = api.send("PUT", "/v1/accounts/" + path(username), account,
                "If-None-Match", "*", "Idempotency-Key", "portal-signup-" + username);
        if (created.status() == 412) {
            if (creation == PortalUsers.Creation.CREATED) { // an account the operator made, not a user's
                users.delete(username);
                throw ApiException.conflict("username", "this username is taken");
            }
        } else {
            AdminApi.expect(created);
        }
        ctx.status(creation == PortalUsers.Creation.CREATED ? 201 : 200)
                .json(Map.of("username", username, "approved", enabled, "new", creation == PortalUsers.Creation.CREATED));
    }

    /** POST session {@code {username, password}}. */
    private void logIn(Context ctx) {
        JsonNode body = Json.parseBody(ctx.body());
        String username = text(body, "username").trim().toLowerCase(java.util.Locale.ROOT);
        String password = text(body, "password");
        if (!USERNAME.matcher(username).matches()) throw new ApiException(401, null, "wrong username or password");
        PortalUsers.Result result = users.check(username, password);
        switch (result.check()) {
            case LOCKED -> {
                ctx.header("Retry-After", Long.toString(Math.max(1, Duration.between(java.time.Instant.now(), result.lockedUntil()).toSeconds())));
                throw new ApiException(429, null, "too many wrong passwords: locked until " + result.lockedUntil());
            }
            case WRONG -> throw new ApiException(401, null, "wrong username or password");
            case OK -> { }
        }
        AdminApi.Answer account = api.get("/v1/accounts/" + path(username));
        if (account.status() == 404) throw new ApiException(403, null, "this user has no account any more");
        JsonNode doc = AdminApi.expect(account);
        if (!doc.path("enabled").asBoolean(true)) {
            throw new ApiException(403, null, "the account is not enabled: it waits for the operator's approval, or was disabled");
        }
        ctx.status(201).json(Map.of("csrfToken", sessions.open(ctx, username).csrfToken()));
    }

    private void me(Context ctx) {
        String username = user(ctx).subject();
        JsonNode account = AdminApi.expect(api.get("/v1/accounts/" + path(username)));
        JsonNode sip = AdminApi.expect(api.get("/v1/accounts/" + path(username) + "/sip"));
        AdminApi.Answer usage = api.get("/v1/accounts/" + path(username) + "/usage");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("username", username);
        out.put("enabled", account.path("enabled").asBoolean());
        out.put("numbers", account.path("numbers"));
        out.put("callerId", account.path("defaultCallerId"));
        out.put("sip", sip);
        out.put("balance", usage.ok() ? usage.body().path("balance") : null);
        out.put("currency", usage.ok() ? usage.body().path("currency") : null);
        ctx.json(out);
    }

    /** GET numbers?q=: the pool's numbers whose digits start with q, or with q after the country code (an area code). */
    private void searchPool(Context ctx) {
        user(ctx);
        String q = ctx.queryParam("q") == null ? "" : ctx.queryParam("q").replaceAll("[^0-9]", "");
        if (q.length() > 15) throw ApiException.badRequest("q", "at most 15 digits");
        List<String> found = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = AdminApi.expect(api.get("/v1/accounts/" + path(config.poolAccount()) + "/numbers?limit=500"
                    + (cursor == null ? "" : "&cursor=" + path(cursor))));
            for (JsonNode n : page.path("items")) {
                String number = n.path("number").asText();
                String digits = number.replaceAll("[^0-9]", "");
                int at = digits.indexOf(q);
                if (q.isEmpty() || at == 0 || (at >= 1 && at <= 3)) found.add(number);
                if (found.size() >= 20) break;
            }
            cursor = page.path("next").isTextual() ? page.path("next").asText() : null;
        } while (cursor != null && found.size() < 20 && ++pages < 20);
        ctx.json(Map.of("numbers", found));
    }

    /** POST numbers/{number}: the pool's number becomes the user's, and the user's caller ID. One number a user. */
    private void takeNumber(Context ctx) {
        String username = user(ctx).subject();
        String number = ctx.pathParam("number");
        JsonNode account = AdminApi.expect(api.get("/v1/accounts/" + path(username)));
        if (account.path("numbers").size() > 0) throw ApiException.conflict("number", "you have a number already");
        AdminApi.Answer freed = api.send("DELETE", "/v1/accounts/" + path(config.poolAccount()) + "/numbers/" + path(number), null);
        if (freed.status() == 404) throw ApiException.conflict("number", "this number is no longer free: pick another");
        AdminApi.expect(freed);
        AdminApi.expect(api.send("PUT", "/v1/accounts/" + path(username) + "/numbers/" + path(number), Map.of()));
        ObjectNode body = (ObjectNode) AdminApi.expect(api.get("/v1/accounts/" + path(username)));
        body.remove(ACCOUNT_READ_ONLY);
        body.put("defaultCallerId", number);
        AdminApi.expect(api.send("PUT", "/v1/accounts/" + path(username), body));
        ctx.json(Map.of("number", number));
    }

    /** POST sip-password: a new random SIP password, shown this once (the registry keeps only its digest). */
    private void resetSipPassword(Context ctx) {
        String username = user(ctx).subject();
        ctx.header("Cache-Control", "no-store").json(Map.of("password", newSipPassword(username)));
    }

    private String newSipPassword(String username) {
        StringBuilder password = new StringBuilder();
        for (int i = 0; i < 20; i++) password.append(SIP_PASSWORD_LETTERS.charAt(RANDOM.nextInt(SIP_PASSWORD_LETTERS.length())));
        AdminApi.expect(api.send("PUT", "/v1/accounts/" + path(username) + "/password", Map.of("password", password.toString())));
        return password.toString();
    }

    /**
     * POST webphone: what the dialpad's JsSIP needs to register as the user: the edge's WebSocket URL, the SIP URI and
     * the MD5 digest HA1 of the SIP password with its realm (JsSIP's {@code ha1} and {@code realm}), never a password,
     * which the registry does not keep (docs/architecture.md, "The dialpad"). A user without a SIP password gets a
     * random one first that nobody sees; a reset on "My phone" shows a new one for a softphone.
     */
    private void webPhone(Context ctx) {
        String username = user(ctx).subject();
        String url = config.dialpad().urlFor(ctx.host(), Sessions.secure(ctx));
        if (url == null) {
            throw new ApiException(503, null, "calling from the page is off: this server offers no SIP over WebSocket "
                    + "(the operator's sip.ws.port, sip.wss.port or portal.dialpad.ws.url)");
        }
        JsonNode sip = AdminApi.expect(api.get("/v1/accounts/" + path(username) + "/sip"));
        String sipUser = sip.path("username").asText();
        String domain = sip.path("domain").asText();
        SipCredentials credentials = currentCredentials(username, sipUser, domain);
        if (credentials == null) {
            newSipPassword(username);
            credentials = currentCredentials(username, sipUser, domain);
            if (credentials == null) throw new ApiException(503, null, "the SIP password was not set: try again");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("wsUrl", url);
        out.put("uri", "sip:" + sipUser + "@" + domain);
        out.put("username", sipUser);
        out.put("domain", domain);
        out.put("realm", credentials.realm());
        out.put("ha1", credentials.ha1Md5());
        ctx.header("Cache-Control", "no-store").json(out);
    }

    /** The account's digest credentials as the registry keeps them, if they are for this SIP username and realm. */
    private SipCredentials currentCredentials(String accountId, String sipUser, String realm) {
        SipCredentials credentials = SipCredentials.fromHash(redis.hgetAll(keys.credentials(accountId)));
        return credentials != null && credentials.username().equals(sipUser) && realm.equals(credentials.realm()) ? credentials : null;
    }

    private void calls(Context ctx) {
        String username = user(ctx).subject();
        ctx.json(AdminApi.expect(api.get("/v1/accounts/" + path(username) + "/cdrs?offset=0&count=50")));
    }

    @Override
    public void close() { redis.close(); }
}
