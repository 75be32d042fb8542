package io.sipstream.platform.credentials;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * What is kept at rest of an account's SIP password: only the digest HA1 values,
 * H(username:realm:password) in MD5 (RFC 2617) and SHA-256 (RFC 7616 / RFC 8760), never the password.
 * Stored as a Redis hash under {@link io.sipstream.platform.redis.RedisKeys#credentials}.
 */
public record SipCredentials(String username, String realm, String ha1Md5, String ha1Sha256) {
    public static final String USERNAME = "username";
    public static final String REALM = "realm";
    public static final String HA1_MD5 = "ha1_md5";
    public static final String HA1_SHA256 = "ha1_sha256";

    public static SipCredentials fromPassword(String username, String realm, String password) {
        String a1 = username + ":" + realm + ":" + password;
        return new SipCredentials(username, realm, hex("MD5", a1), hex("SHA-256", a1));
    }

    public Map<String, String> toHash() {
        return Map.of(USERNAME, username, REALM, realm, HA1_MD5, ha1Md5, HA1_SHA256, ha1Sha256);
    }

    /** Null when the hash is empty or incomplete (no password set). */
    public static SipCredentials fromHash(Map<String, String> hash) {
        if (hash == null || !hash.containsKey(USERNAME) || !hash.containsKey(HA1_MD5)) return null;
        return new SipCredentials(hash.get(USERNAME), hash.get(REALM), hash.get(HA1_MD5), hash.get(HA1_SHA256));
    }

    /** The HA1 for a digest algorithm name as it appears in the Authorization header (MD5, SHA-256, with or without -sess). */
    public String ha1For(String algorithm) {
        String a = algorithm == null ? "MD5" : algorithm.toUpperCase(java.util.Locale.ROOT).replace("-SESS", "");
        return switch (a) {
            case "MD5" -> ha1Md5;
            case "SHA-256" -> ha1Sha256;
            default -> null;
        };
    }

    public static String hex(String algorithm, String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " missing from the JDK", e);
        }
    }

    @Override
    public String toString() { return "SipCredentials[username=" + username + ", realm=" + realm + "]"; }
}
