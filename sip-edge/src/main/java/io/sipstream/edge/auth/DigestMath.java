package io.sipstream.edge.auth;

import io.sipstream.platform.credentials.SipCredentials;
import java.util.Locale;

/** The digest computations of RFC 2617 / RFC 7616 / RFC 8760 (MD5 and SHA-256, qop=auth), both sides. */
public final class DigestMath {
    public static final String MD5 = "MD5";
    public static final String SHA256 = "SHA-256";

    /** The JDK name of a digest algorithm as written in a challenge, or null when not supported. */
    public static String jdkAlgorithm(String algorithm) {
        String a = algorithm == null ? MD5 : algorithm.toUpperCase(Locale.ROOT);
        return switch (a) {
            case MD5 -> "MD5";
            case SHA256 -> "SHA-256";
            default -> null;
        };
    }

    public static String ha1(String algorithm, String username, String realm, String password) {
        return SipCredentials.hex(jdkAlgorithm(algorithm), username + ":" + realm + ":" + password);
    }

    /** The request-digest for qop=auth, or the RFC 2069 form when qop is null. */
    public static String response(String algorithm, String ha1, String nonce, String nc, String cnonce, String qop,
                                  String method, String uri) {
        String jdk = jdkAlgorithm(algorithm);
        String ha2 = SipCredentials.hex(jdk, method + ":" + uri);
        String data = qop == null ? ha1 + ":" + nonce + ":" + ha2
                : ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2;
        return SipCredentials.hex(jdk, data);
    }

    private DigestMath() {}
}
