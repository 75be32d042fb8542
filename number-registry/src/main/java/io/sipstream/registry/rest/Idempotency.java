package io.sipstream.registry.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.sipstream.platform.http.ApiException;
import io.sipstream.platform.http.Json;
import io.sipstream.registry.store.RegistryStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * The {@code Idempotency-Key} header of the registry's writes (draft-ietf-httpapi-idempotency-key-header):
 * a write repeated with the same key and the same request (method, path, preconditions, body) within
 * {@link #TTL} gets the first answer again (status, body, ETag, and {@code Idempotent-Replayed: true})
 * and changes nothing; with another request under the same key it is 422, and while the first is still
 * being answered 409. Only successful answers are kept: a refused write changed nothing, so repeating
 * it is harmless and may succeed. Records live in Redis under a hash of the caller (its API key,
 * itself hashed) and the key, so neither is stored in the clear.
 */
public final class Idempotency {
    public static final String HEADER = "Idempotency-Key";
    public static final Duration TTL = Duration.ofHours(24);
    /** How long a key stays claimed by a request that never finished (a crash between claim and answer). */
    static final Duration PENDING_TTL = Duration.ofMinutes(1);
    private static final int MAX_KEY_LENGTH = 255;

    private static final String CLAIM = """
            local v = redis.call('GET', KEYS[1])
            if v then return v end
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            return false
            """;
    private static final String COMPLETE = """
            if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
            redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
            return 1
            """;
    private static final String RELEASE = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """;

    /** What is kept of a request under its key: pending while {@code status} is 0. */
    record Stored(String fingerprint, String token, int status, String contentType, String etag, String body) {}

    private final RegistryStore store;

    public Idempotency(RegistryStore store) { this.store = store; }

    /** The write route {@code handler}, answering repeated requests with an {@code Idempotency-Key} from the record. */
    public Handler wrap(Handler handler) {
        return ctx -> {
            String given = ctx.header(HEADER);
            if (given == null) {
                handler.handle(ctx);
                return;
            }
            String recordKey = store.keys().other("registry:idempotency:" + sha256(caller(ctx) + "\n" + key(given)));
            String fingerprint = fingerprint(ctx);
            String pending = encode(new Stored(fingerprint, UUID.randomUUID().toString(), 0, null, null, null));
            Object existing = store.script(CLAIM, List.of(recordKey), List.of(pending, Long.toString(PENDING_TTL.toMillis())));
            if (existing != null) {
                replay(ctx, RegistryStore.decode(existing.toString(), Stored.class), fingerprint);
                return;
            }
            try {
                handler.handle(ctx);
            } catch (Exception | Error e) {
                store.script(RELEASE, List.of(recordKey), List.of(pending));
                throw e;
            }
            int status = ctx.statusCode();
            if (status >= 200 && status < 300) {
                Stored done = new Stored(fingerprint, null, status, ctx.res().getContentType(), ctx.res().getHeader("ETag"), ctx.result());
                store.script(COMPLETE, List.of(recordKey), List.of(pending, encode(done), Long.toString(TTL.toMillis())));
            } else {
                store.script(RELEASE, List.of(recordKey), List.of(pending));
            }
        };
    }

    private static void replay(Context ctx, Stored first, String fingerprint) {
        if (!first.fingerprint().equals(fingerprint)) {
            throw ApiException.unprocessable(HEADER, "this key was used within " + TTL.toHours()
                    + " h for another request (method, path, If-Match or body differ): use a new key for a new request");
        }
        if (first.status() == 0) {
            ctx.header("Retry-After", "1");
            throw ApiException.conflict(HEADER, "the first request with this key is still being answered: retry shortly");
        }
        ctx.status(first.status()).header("Idempotent-Replayed", "true");
        if (first.etag() != null) ctx.header("ETag", first.etag());
        if (first.contentType() != null) ctx.contentType(first.contentType());
        if (first.body() != null) ctx.result(first.body());
    }

    /** The key as sent: a token, or the structured-field string the draft has it as ("..."); 400 when malformed. */
    static String key(String header) {
        String key = header.trim();
        if (key.length() >= 2 && key.startsWith("\"") && key.endsWith("\"")) key = key.substring(1, key.length() - 1);
        if (key.isEmpty() || key.length() > MAX_KEY_LENGTH || !key.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw ApiException.badRequest(HEADER, "must be 1 to " + MAX_KEY_LENGTH + " printable ASCII characters");
        }
        return key;
    }

    /** Who asks: a hash of the credential, so that two callers' keys never meet and no key is stored. */
    private static String caller(Context ctx) {
        String auth = ctx.header("Authorization");
        return sha256(auth == null ? "" : auth.trim());
    }

    private static String fingerprint(Context ctx) {
        MessageDigest digest = sha256();
        for (String part : new String[] {ctx.method().name(), ctx.path(), ctx.header("If-Match"), ctx.header("If-None-Match")}) {
            digest.update(String.valueOf(part).getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
        }
        digest.update(ctx.bodyAsBytes());
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String sha256(String text) { return HexFormat.of().formatHex(sha256().digest(text.getBytes(StandardCharsets.UTF_8))); }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String encode(Stored stored) {
        try {
            return Json.MAPPER.writeValueAsString(stored);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
