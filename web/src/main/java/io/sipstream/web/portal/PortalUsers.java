package io.sipstream.web.portal;

import io.sipstream.platform.redis.RedisKeys;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import io.sipstream.platform.http.ApiException;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import redis.clients.jedis.UnifiedJedis;

/**
 * The portal's users in Redis ({@code portal:user:<username>}, a hash): the web password as a salted PBKDF2
 * hash (never the password), the failed log-ins in a row and the lock they lead to. The web password is not the
 * SIP password: a softphone keeps the SIP one in its settings, and that must not open the portal.
 */
public final class PortalUsers {
    private static final String PASSWORD = "password";
    private static final String FAILURES = "failures";
    private static final String LOCKED_UNTIL = "lockedUntil";
    /** PBKDF2-HMAC-SHA256 rounds: OWASP's 2023 figure is 600,000; a log-in then costs ~0.3 s of one core. */
    static final int ROUNDS = 600_000;
    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * Hashes at once: the portal shares its process with the SIP edge, so a flood of log-ins or sign-ups may
     * take one core's worth of hashing, not all of them; the rest wait briefly, then get 503.
     */
    static final int CONCURRENT_HASHES = 1;
    private static final Semaphore HASHING = new Semaphore(CONCURRENT_HASHES, true);
    /** Hashed when the user does not exist, so that a wrong username costs the time a wrong password does. */
    private static final String DUMMY = hash("not a password of anyone", ROUNDS);

    /** What a log-in found. */
    public enum Check { OK, WRONG, LOCKED }

    public record Result(Check check, Instant lockedUntil) {}

    private final UnifiedJedis redis;
    private final RedisKeys keys;
    private final int maxFailures;
    private final Duration lockout;
    private final Clock clock;

    public PortalUsers(UnifiedJedis redis, RedisKeys keys, int maxFailures, Duration lockout, Clock clock) {
        this.redis = redis;
        this.keys = keys;
        this.maxFailures = maxFailures;
        this.lockout = lockout;
        this.clock = clock;
    }

    /** What a sign-up found: a new user, the same user again (a retry: same name and password), or a name taken. */
    public enum Creation { CREATED, RETRIED, TAKEN }

    /** Creates the user if the name is free, atomically: two sign-ups of one name make one user. */
    public Creation create(String username, String password) {
        if (redis.hsetnx(keys.portalUser(username), PASSWORD, hash(password, ROUNDS)) == 1) return Creation.CREATED;
        String stored = redis.hget(keys.portalUser(username), PASSWORD);
        return stored != null && matches(password, stored) ? Creation.RETRIED : Creation.TAKEN;
    }

    /** Forgets a user (a sign-up whose name turned out to be an operator's account). */
    public void delete(String username) { redis.del(keys.portalUser(username)); }

    /** Checks a log-in; {@code maxFailures} wrong passwords in a row lock the user for the lockout's length. */
    public Result check(String username, String password) {
        String key = keys.portalUser(username);
        Map<String, String> user = redis.hgetAll(key);
        String stored = user.get(PASSWORD);
        long now = clock.millis();
        long lockedUntil = Long.parseLong(user.getOrDefault(LOCKED_UNTIL, "0"));
        if (stored == null) {
            matches(password, DUMMY);
            return new Result(Check.WRONG, null);
        }
        if (lockedUntil > now) return new Result(Check.LOCKED, Instant.ofEpochMilli(lockedUntil));
        if (matches(password, stored)) {
            if (user.containsKey(FAILURES)) redis.hdel(key, FAILURES, LOCKED_UNTIL);
            return new Result(Check.OK, null);
        }
        long failures = redis.hincrBy(key, FAILURES, 1);
        if (failures >= maxFailures) {
            long until = now + lockout.toMillis();
            redis.hset(key, Map.of(LOCKED_UNTIL, Long.toString(until), FAILURES, "0"));
            return new Result(Check.LOCKED, Instant.ofEpochMilli(until));
        }
        return new Result(Check.WRONG, null);
    }

    static String hash(String password, int rounds) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return "pbkdf2-sha256$" + rounds + "$" + b64(salt) + "$" + b64(derive(password, salt, rounds));
    }

    static boolean matches(String password, String stored) {
        String[] parts = stored.split("\\$");
        if (parts.length != 4) return false;
        byte[] expected = Base64.getDecoder().decode(parts[3]);
        byte[] given = derive(password, Base64.getDecoder().decode(parts[2]), Integer.parseInt(parts[1]));
        return MessageDigest.isEqual(expected, given);
    }

    private static byte[] derive(String password, byte[] salt, int rounds) {
        boolean admitted;
        try {
            admitted = HASHING.tryAcquire(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            admitted = false;
        }
        if (!admitted) throw ApiException.unavailable("too many log-ins at once: try again in a moment");
        try {
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, rounds, 256);
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is in every JDK", e);
        } finally {
            HASHING.release();
        }
    }

    private static String b64(byte[] bytes) { return Base64.getEncoder().encodeToString(bytes); }
}
