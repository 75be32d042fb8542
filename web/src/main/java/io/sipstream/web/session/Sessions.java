package io.sipstream.web.session;

import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import io.sipstream.platform.http.ApiException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Browser sessions of one kind (the console's operators, or the portal's users): a random id in an
 * HttpOnly, SameSite=Strict cookie (Secure when the page came over HTTPS), and a CSRF token the page
 * holds in memory and sends back in {@value #CSRF_HEADER} on every request that changes something
 * (synchronizer token: a cross-site page can make the browser send the cookie, not read the token).
 * Kept in this process' memory: a restart logs everyone out, which a log-in mends.
 */
public final class Sessions {
    public static final String CSRF_HEADER = "X-CSRF-Token";
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    /** Bounds the memory a flood of log-ins can take; the oldest sessions are the first dropped. */
    static final int MAX_SESSIONS = 10_000;

    /** One session: who (an account id for the portal, "operator" for the console) and its CSRF token. */
    public record Session(String id, String subject, String csrfToken, long createdAt, long lastSeenAt) {}

    private final String cookieName;
    private final Duration idleTimeout;
    private final Duration maxAge;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    public Sessions(String cookieName, Duration idleTimeout, Duration maxAge, Clock clock) {
        this.cookieName = cookieName;
        this.idleTimeout = idleTimeout;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    /** Opens a session for {@code subject} and sets its cookie on the answer. */
    public Session open(Context ctx, String subject) {
        long now = clock.millis();
        if (sessions.size() >= MAX_SESSIONS) evict(now);
        Session session = new Session(token(), subject, token(), now, now);
        sessions.put(session.id(), session);
        Cookie cookie = new Cookie(cookieName, session.id(), "/", -1, secure(ctx), 0, true, null, null, SameSite.STRICT);
        ctx.cookie(cookie);
        return session;
    }

    /** The live session of the request's cookie, or null; a state-changing request without its CSRF token is 403. */
    public Session current(Context ctx) {
        String id = ctx.cookie(cookieName);
        if (id == null) return null;
        long now = clock.millis();
        Session session = sessions.get(id);
        if (session == null) return null;
        if (now - session.lastSeenAt() > idleTimeout.toMillis() || now - session.createdAt() > maxAge.toMillis()) {
            sessions.remove(id, session);
            return null;
        }
        if (!SAFE_METHODS.contains(ctx.method().name())) {
            String given = ctx.header(CSRF_HEADER);
            if (given == null || !MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                    session.csrfToken().getBytes(StandardCharsets.UTF_8))) {
                throw new ApiException(403, CSRF_HEADER, "missing or wrong CSRF token: send the session's token in " + CSRF_HEADER);
            }
        }
        Session seen = new Session(session.id(), session.subject(), session.csrfToken(), session.createdAt(), now);
        sessions.replace(id, session, seen);
        return seen;
    }

    /** Ends the request's session, if any, and clears its cookie. */
    public void close(Context ctx) {
        String id = ctx.cookie(cookieName);
        if (id != null) sessions.remove(id);
        ctx.cookie(new Cookie(cookieName, "", "/", 0, secure(ctx), 0, true, null, null, SameSite.STRICT));
    }

    /** Ends every session of a subject (a user disabled or deleted, a password changed). */
    public void closeAll(String subject) {
        sessions.values().removeIf(s -> s.subject().equals(subject));
    }

    int size() { return sessions.size(); }

    private void evict(long now) {
        sessions.values().removeIf(s -> now - s.lastSeenAt() > idleTimeout.toMillis() || now - s.createdAt() > maxAge.toMillis());
        Iterator<Session> oldest = sessions.values().stream()
                .sorted(java.util.Comparator.comparingLong(Session::lastSeenAt)).iterator();
        while (sessions.size() >= MAX_SESSIONS && oldest.hasNext()) sessions.remove(oldest.next().id());
    }

    private String token() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** HTTPS to this server, or to the proxy in front of it. */
    public static boolean secure(Context ctx) {
        return "https".equalsIgnoreCase(ctx.scheme()) || "https".equalsIgnoreCase(ctx.header("X-Forwarded-Proto"));
    }
}
