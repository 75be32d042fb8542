package io.sipstream.edge.trunk;

import io.sipstream.edge.auth.DigestMath;
import java.security.SecureRandom;
import java.text.ParseException;
import java.util.HexFormat;
import java.util.ListIterator;
import javax.sip.header.AuthorizationHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ProxyAuthenticateHeader;
import javax.sip.header.WWWAuthenticateHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * Answers a provider's 401/407 digest challenge (the edge as a client of a trunk): picks the
 * challenge of the trunk's realm when several are offered, else any, and of those the strongest
 * algorithm (SHA-256 over MD5), and adds Authorization or Proxy-Authorization.
 */
public final class ClientDigest {
    private static final SecureRandom RANDOM = new SecureRandom();

    private ClientDigest() {}

    /** Adds the answer to {@code request}; false when the challenge offers nothing we can answer. */
    public static boolean authorize(Request request, Response challenge, TrunkCredentials credentials, HeaderFactory headers)
            throws ParseException {
        boolean proxy = challenge.getStatusCode() == Response.PROXY_AUTHENTICATION_REQUIRED;
        WWWAuthenticateHeader chosen = null;
        int best = -1;
        ListIterator<?> it = challenge.getHeaders(proxy ? ProxyAuthenticateHeader.NAME : WWWAuthenticateHeader.NAME);
        while (it != null && it.hasNext()) {
            WWWAuthenticateHeader h = (WWWAuthenticateHeader) it.next();
            if (!"Digest".equalsIgnoreCase(h.getScheme()) || DigestMath.jdkAlgorithm(h.getAlgorithm()) == null) continue;
            // the trunk's realm first (a proxy may challenge for several, RFC 3261 22.3), then the stronger algorithm
            int rank = (credentials.realm() != null && credentials.realm().equalsIgnoreCase(h.getRealm()) ? 2 : 0)
                    + (DigestMath.SHA256.equalsIgnoreCase(h.getAlgorithm()) ? 1 : 0);
            if (rank > best) {
                chosen = h;
                best = rank;
            }
        }
        if (chosen == null) return false;
        String algorithm = chosen.getAlgorithm() == null ? DigestMath.MD5 : chosen.getAlgorithm();
        String realm = chosen.getRealm();
        String uri = request.getRequestURI().toString();
        String ha1 = DigestMath.ha1(algorithm, credentials.username(), realm, credentials.password());
        String qopOffered = chosen.getQop();
        boolean qop = qopOffered != null && java.util.Arrays.stream(qopOffered.split(",")).anyMatch(q -> q.trim().equalsIgnoreCase("auth"));
        String cnonce = qop ? HexFormat.of().formatHex(randomBytes()) : null;
        String nc = "00000001";
        String response = DigestMath.response(algorithm, ha1, chosen.getNonce(), nc, cnonce, qop ? "auth" : null,
                request.getMethod(), uri);
        AuthorizationHeader auth = proxy ? headers.createProxyAuthorizationHeader("Digest") : headers.createAuthorizationHeader("Digest");
        auth.setUsername(credentials.username());
        auth.setRealm(realm);
        auth.setNonce(chosen.getNonce());
        auth.setURI(request.getRequestURI());
        auth.setResponse(response);
        auth.setAlgorithm(algorithm);
        if (chosen.getOpaque() != null) auth.setOpaque(chosen.getOpaque());
        if (qop) {
            auth.setQop("auth");
            auth.setCNonce(cnonce);
            auth.setNonceCount(1);
        }
        request.removeHeader(proxy ? AuthorizationHeader.NAME.replace("Authorization", "Proxy-Authorization") : AuthorizationHeader.NAME);
        request.addHeader(auth);
        return true;
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return b;
    }
}
