package io.sipstream.edge.relay;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What one edge signs when it asks another to relay an INVITE to a phone that edge holds, and how the other checks it:
 * an HMAC-SHA256 with {@code edge.peer.secret} over the Call-ID, the phone's contact (the request-URI), the account and
 * the time, carried in {@value #HEADER}: {@code t=<epoch seconds>;a=<account, URL-encoded>;mac=<base64url>}.
 * A signature older or newer than {@link #MAX_SKEW} is stale: a captured request cannot be replayed later.
 */
public final class PeerSignature {
    public static final String HEADER = "X-Sipstream-Relay";
    /** How far the signer's clock and the checker's may differ, plus the INVITE's retransmissions (32 s at most). */
    public static final Duration MAX_SKEW = Duration.ofSeconds(60);
    private static final String ALGORITHM = "HmacSHA256";
    private final SecretKeySpec key;

    public PeerSignature(String secret) {
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
    }

    /** The header value for this request. */
    public String sign(String callId, String target, String accountId, long epochSeconds) {
        return "t=" + epochSeconds + ";a=" + URLEncoder.encode(accountId, StandardCharsets.UTF_8) + ";mac="
                + Base64.getUrlEncoder().withoutPadding().encodeToString(mac(callId, target, accountId, epochSeconds));
    }

    /** A signed request the checker accepts: the account whose binding it may be relayed to. */
    public record Verified(String accountId) {}

    /** Thrown for a missing, malformed, forged or stale signature; the message says which (for the log and the 403). */
    public static final class Refused extends Exception {
        Refused(String reason) { super(reason, null, false, false); }
    }

    public Verified verify(String headerValue, String callId, String target, long nowEpochSeconds) throws Refused {
        if (headerValue == null || headerValue.isBlank()) throw new Refused("no " + HEADER);
        Long t = null;
        String account = null;
        byte[] given = null;
        try {
            for (String part : headerValue.trim().split(";")) {
                int eq = part.indexOf('=');
                if (eq < 0) continue;
                String name = part.substring(0, eq).trim();
                String value = part.substring(eq + 1).trim();
                switch (name) {
                    case "t" -> t = Long.parseLong(value);
                    case "a" -> account = URLDecoder.decode(value, StandardCharsets.UTF_8);
                    case "mac" -> given = Base64.getUrlDecoder().decode(value);
                    default -> { } // a later version's field: not signed here, ignored
                }
            }
        } catch (IllegalArgumentException e) {
            throw new Refused("malformed " + HEADER); // not what it held: that is the sender's text, for no log
        }
        if (t == null || account == null || account.isEmpty() || given == null) throw new Refused("malformed " + HEADER);
        if (!MessageDigest.isEqual(given, mac(callId, target, account, t))) throw new Refused("bad signature");
        if (Math.abs(nowEpochSeconds - t) > MAX_SKEW.toSeconds()) throw new Refused("stale signature (" + (nowEpochSeconds - t) + " s old)");
        return new Verified(account);
    }

    private byte[] mac(String callId, String target, String accountId, long epochSeconds) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            // newline-separated: none of the parts can hold one (SIP header values and URIs cannot)
            String signed = callId + "\n" + target + "\n" + accountId + "\n" + epochSeconds;
            return mac.doFinal(signed.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
