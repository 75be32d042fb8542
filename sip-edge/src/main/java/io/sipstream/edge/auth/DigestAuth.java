package io.sipstream.edge.auth;

import gov.nist.javax.sip.header.ParametersHeader;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.List;
import java.util.ListIterator;
import javax.sip.header.AuthorizationHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.header.WWWAuthenticateHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * Digest authentication of accounts (RFC 3261 section 22, RFC 8760 for SHA-256) against the HA1
 * values in Redis. Challenges offer SHA-256 first, then MD5 (configurable: some user agents, SIPp
 * among them, read only the first challenge and know only MD5), all with qop=auth; a response
 * without qop is refused, because only the nonce-count of qop=auth protects against replays.
 *
 * <p>The digest {@code uri} must be the Request-URI (RFC 2617 section 3.2.2.5; only the letter case
 * of scheme and host may differ), or that URI without its user part: widely deployed user agents
 * (SIPp among them) digest {@code sip:host:port}. That still ties a response to this edge; it does
 * not tie it to the dialled number, which the nonce-count replay check and the short nonce
 * lifetime cover. Anything else gets 400 Bad Request, which the RFC prescribes.
 *
 * <p>Unknown username and wrong password get the same answer (403 after the challenge), so the
 * edge does not tell a scanner which usernames exist.
 */
public final class DigestAuth {
    private final AccountDirectory accounts;
    private final NonceStore nonces;
    private final String realm;
    private final HeaderFactory headers;
    private final List<String> algorithms;

    /** {@code algorithms}: the challenges to offer, in order of preference (SHA-256, MD5 by default). */
    public DigestAuth(AccountDirectory accounts, NonceStore nonces, String realm, HeaderFactory headers, List<String> algorithms) {
        this.accounts = accounts;
        this.nonces = nonces;
        this.realm = realm;
        this.headers = headers;
        this.algorithms = List.copyOf(algorithms);
    }

    public String realm() { return realm; }

    /** Checks a request's Authorization for our realm. Blocking (Redis): call off SIP threads. */
    public AuthOutcome check(Request request, long nowMillis) {
        AuthOutcome.Challenge challenge = challengeWithoutStore(request, nowMillis);
        return challenge != null ? challenge : checkCredentials(request, nowMillis);
    }

    /**
     * {@link #check} of a request whose nonce {@link #challengeWithoutStore} has found valid already (on the SIP
     * thread): the HMAC of the nonce is not computed again. Blocking (Redis): call off SIP threads.
     */
    public AuthOutcome checkCredentials(Request request, long nowMillis) {
        AuthorizationHeader auth = ourAuthorization(request);
        String nonce = auth.getNonce();
        String algorithm = auth.getAlgorithm() == null ? DigestMath.MD5 : auth.getAlgorithm();
        if (DigestMath.jdkAlgorithm(algorithm) == null || !algorithms.contains(algorithm.toUpperCase(java.util.Locale.ROOT))) {
            return new AuthOutcome.Forbidden("algorithm " + algorithm + " is not offered");
        }
        String qop = auth.getQop();
        if (qop == null || !qop.equalsIgnoreCase("auth")) return new AuthOutcome.Forbidden("qop=auth is required");
        String ncText = raw(auth, "nc");
        String cnonce = auth.getCNonce();
        String uri = raw(auth, "uri");
        String username = auth.getUsername();
        if (ncText == null || cnonce == null || uri == null || username == null || auth.getResponse() == null) {
            return new AuthOutcome.Forbidden("incomplete Authorization header");
        }
        // RFC 2617 3.2.2.5: credentials are for one Request-URI; another is refused 400 (a digest
        // captured for one request must not authorise a request for another destination)
        if (!sameUri(uri, request.getRequestURI().toString())) {
            return new AuthOutcome.BadRequest("the digest uri does not match the Request-URI");
        }
        long nc;
        try {
            nc = Long.parseLong(ncText, 16);
        } catch (NumberFormatException e) {
            return new AuthOutcome.Forbidden("nc '" + ncText + "' is not hexadecimal");
        }
        String accountId = accounts.accountOf(username);
        // credentials and the enabled flag in one round trip, though the flag counts only once the password is right
        AccountDirectory.Account account = accountId == null ? null : accounts.account(accountId);
        String ha1 = account == null || account.credentials() == null ? null : account.credentials().ha1For(algorithm);
        if (ha1 == null) return new AuthOutcome.Forbidden("unknown user " + username);
        String expected = DigestMath.response(algorithm, ha1, nonce, ncText, cnonce, qop.toLowerCase(java.util.Locale.ROOT),
                request.getMethod(), uri);
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                auth.getResponse().toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
            return new AuthOutcome.Forbidden("wrong password for " + username);
        }
        // a reused count is a replay (UDP retransmissions never get here: the transaction layer absorbs them)
        if (!nonces.acceptCount(nonce, nc, nowMillis)) return new AuthOutcome.Challenge(true);
        if (!account.enabled()) return new AuthOutcome.Forbidden("account " + accountId + " is disabled");
        return new AuthOutcome.Authenticated(accountId, username, account.media());
    }

    /**
     * The challenge a request gets before anything is read from the store: it has no credentials for our realm, no
     * nonce, or a nonce this edge did not issue or that has expired. Null when its credentials must be checked
     * ({@link #check}). Needs no Redis, so the edge answers these on the SIP thread.
     */
    public AuthOutcome.Challenge challengeWithoutStore(Request request, long nowMillis) {
        AuthorizationHeader auth = ourAuthorization(request);
        if (auth == null || auth.getNonce() == null) return new AuthOutcome.Challenge(false);
        return switch (nonces.verify(auth.getNonce(), nowMillis)) {
            case STALE -> new AuthOutcome.Challenge(true);
            case FORGED -> new AuthOutcome.Challenge(false);
            case VALID -> null;
        };
    }

    /** Adds the challenges, one per algorithm in order of preference, to a 401. */
    public void challenge(Response response, boolean stale, long nowMillis) {
        challenge(response, stale, nonces.issue(nowMillis));
    }

    /** {@link #challenge} with a nonce issued before ({@link #issueNonce}), for a resent 401 that must not change. */
    void challenge(Response response, boolean stale, String nonce) {
        try {
            for (String algorithm : algorithms) {
                WWWAuthenticateHeader h = headers.createWWWAuthenticateHeader("Digest");
                h.setRealm(realm);
                h.setNonce(nonce);
                h.setAlgorithm(algorithm);
                h.setQop("auth");
                if (stale) h.setStale(true);
                response.addHeader(h);
            }
        } catch (ParseException e) {
            throw new IllegalStateException("cannot build a digest challenge", e);
        }
    }

    String issueNonce(long nowMillis) { return nonces.issue(nowMillis); }

    private AuthorizationHeader ourAuthorization(Request request) {
        ListIterator<?> it = request.getHeaders(AuthorizationHeader.NAME);
        AuthorizationHeader first = null;
        while (it != null && it.hasNext()) {
            AuthorizationHeader h = (AuthorizationHeader) it.next();
            if (realm.equals(h.getRealm())) return h;
            if (first == null) first = h;
        }
        return first != null && first.getRealm() == null ? first : null;
    }

    /**
     * The digest {@code uri} is the Request-URI: equal as strings once trimmed, except that the
     * scheme and the host may differ in letter case (both are case-insensitive in RFC 3261).
     */
    static boolean sameUri(String digestUri, String requestUri) {
        if (digestUri == null || requestUri == null) return false;
        String digest = caseFolded(digestUri.trim());
        String request = requestUri.trim();
        return digest.equals(caseFolded(request)) || digest.equals(caseFolded(withoutUser(request)));
    }

    /** sip:+1555@edge:5060;transport=udp -> sip:edge:5060;transport=udp */
    static String withoutUser(String uri) {
        int colon = uri.indexOf(':');
        int at = uri.indexOf('@');
        return colon > 0 && at > colon ? uri.substring(0, colon + 1) + uri.substring(at + 1) : uri;
    }

    /** The URI with its scheme and host in lower case, everything else as it was. */
    private static String caseFolded(String uri) {
        int colon = uri.indexOf(':');
        if (colon <= 0) return uri;
        String scheme = uri.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
        String rest = uri.substring(colon + 1);
        if (!scheme.equals("sip") && !scheme.equals("sips")) return scheme + ":" + rest;
        int at = rest.indexOf('@');
        int hostStart = at < 0 ? 0 : at + 1;
        int hostEnd;
        if (hostStart < rest.length() && rest.charAt(hostStart) == '[') {
            int close = rest.indexOf(']', hostStart);
            hostEnd = close < 0 ? rest.length() : close + 1;
        } else {
            hostEnd = hostStart;
            while (hostEnd < rest.length() && ":;?".indexOf(rest.charAt(hostEnd)) < 0) hostEnd++;
        }
        return scheme + ":" + rest.substring(0, hostStart) + rest.substring(hostStart, hostEnd).toLowerCase(java.util.Locale.ROOT)
                + rest.substring(hostEnd);
    }

    private static String raw(AuthorizationHeader h, String name) {
        String v = h instanceof ParametersHeader p ? p.getParameter(name) : h.getParameter(name);
        if (v == null) return null;
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }
}
