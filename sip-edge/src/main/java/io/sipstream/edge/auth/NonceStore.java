package io.sipstream.edge.auth;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Digest nonces. A nonce carries its issue time and an HMAC under a per-process key, so issuing
 * one costs no memory (a flood of challenges cannot fill the heap) and a forged or expired one is
 * recognised without a lookup. Replay protection keeps, per nonce that authenticated a request,
 * the highest nonce-count seen: a request must use a higher one.
 *
 * <p>Those counts are kept by the minute their nonce was issued in, keyed by the nonce's 64 random bits, and a
 * minute goes as a whole once its nonces are stale (the nonce says when it was issued). Each call has a nonce of its
 * own (its first INVITE is challenged), so this is one entry a call for the nonce's lifetime: it was the nonce's text
 * in two maps for twice that lifetime, about 200 bytes a call kept 10 minutes, which every young collection copied
 * until the old generation took it (180,000 entries at 300 calls/s).
 */
public final class NonceStore {
    /** How a presented nonce stands. */
    public enum Check { VALID, STALE, FORGED }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int TAG_BYTES = 12;
    private static final long MINUTE = 60_000;
    private final SecretKeySpec key;
    /** Keyed once; only ever cloned (null when the provider's Mac cannot be). */
    private final Mac prototype;
    private final long ttlMillis;
    /** Minute of issue -> (the nonce's random bits -> the highest nonce-count used with it). */
    private final Map<Long, Map<Long, Long>> countsByMinute = new ConcurrentHashMap<>();

    public NonceStore(Duration ttl) {
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        this.key = new SecretKeySpec(k, "HmacSHA256");
        this.ttlMillis = ttl.toMillis();
        try {
            this.prototype = cloneablePrototype(keyed());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no HmacSHA256 in this JDK", e);
        }
    }

    public String issue(long nowMillis) {
        byte[] salt = new byte[8];
        RANDOM.nextBytes(salt);
        ByteBuffer body = ByteBuffer.allocate(16).putLong(nowMillis).put(salt);
        byte[] tag = mac(body.array());
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(ByteBuffer.allocate(16 + TAG_BYTES).put(body.array()).put(tag, 0, TAG_BYTES).array());
    }

    public Check verify(String nonce, long nowMillis) {
        byte[] all = decoded(nonce);
        if (all == null) return Check.FORGED;
        // one nonce, one spelling: unused trailing bits must not make a "new" nonce for the count tracking
        if (!Base64.getUrlEncoder().withoutPadding().encodeToString(all).equals(nonce)) return Check.FORGED;
        byte[] body = java.util.Arrays.copyOf(all, 16);
        byte[] expected = java.util.Arrays.copyOf(mac(body), TAG_BYTES);
        if (!MessageDigest.isEqual(expected, java.util.Arrays.copyOfRange(all, 16, all.length))) return Check.FORGED;
        long issued = ByteBuffer.wrap(body).getLong();
        return nowMillis - issued > ttlMillis || issued - nowMillis > 60_000 ? Check.STALE : Check.VALID;
    }

    /**
     * Records a nonce-count; false when it is not above every count this nonce was used with (a replay), or when the
     * nonce is not one of this store's shape (a nonce that passed {@link #verify} always is).
     */
    public boolean acceptCount(String nonce, long nc, long nowMillis) {
        byte[] all = nc <= 0 ? null : decoded(nonce);
        if (all == null) return false;
        ByteBuffer body = ByteBuffer.wrap(all);
        long minute = Math.floorDiv(body.getLong(0), MINUTE);
        long salt = body.getLong(8); // two nonces of one minute with the same 64 random bits: not to be expected
        boolean[] accepted = {false};
        countsByMinute.computeIfAbsent(minute, m -> new ConcurrentHashMap<>()).compute(salt, (n, last) -> {
            if (last == null || nc > last) {
                accepted[0] = true;
                return nc;
            }
            return last;
        });
        return accepted[0];
    }

    /** Forgets the counts of the minutes whose nonces are all stale: {@link #verify} refuses them before any count. */
    public void purge(long nowMillis) {
        countsByMinute.keySet().removeIf(minute -> (minute + 1) * MINUTE + ttlMillis < nowMillis);
    }

    /** A nonce's bytes (issue time, random bits, HMAC tag); null when it is not base64 of that length. */
    private static byte[] decoded(String nonce) {
        try {
            byte[] all = Base64.getUrlDecoder().decode(nonce);
            return all.length == 16 + TAG_BYTES ? all : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** How many nonces have their counts kept. */
    public int tracked() { return countsByMinute.values().stream().mapToInt(Map::size).sum(); }

    /**
     * An HMAC of {@code data} by a clone of the keyed prototype: looking the algorithm up and keying it cost
     * more than the HMAC of 16 bytes itself, on every challenge and every authenticated request. A Mac is not
     * thread-safe and a ThreadLocal would key one per virtual thread, so each use gets its own clone; the
     * prototype is never used itself. A provider whose Mac cannot be cloned gets one built per use.
     */
    private byte[] mac(byte[] data) {
        try {
            Mac mac = prototype != null ? (Mac) prototype.clone() : keyed();
            return mac.doFinal(data);
        } catch (CloneNotSupportedException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private Mac keyed() throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(key);
        return mac;
    }

    private static Mac cloneablePrototype(Mac mac) {
        try {
            mac.clone();
            return mac;
        } catch (CloneNotSupportedException e) {
            return null;
        }
    }
}
