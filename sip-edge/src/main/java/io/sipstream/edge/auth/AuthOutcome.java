package io.sipstream.edge.auth;

/** What digest authentication of one request decided. */
public sealed interface AuthOutcome {
    /** The request proved the password of this account; {@code media}: the account's media mode, null when it has none. */
    record Authenticated(String accountId, String username, String media) implements AuthOutcome {}

    /** No usable credentials (none, or a stale nonce): answer 401 with a fresh challenge. */
    record Challenge(boolean stale) implements AuthOutcome {}

    /**
     * Credentials that cannot be for this request (the digest {@code uri} is not the Request-URI,
     * RFC 2617 section 3.2.2.5): answer 400. Counts toward a ban, like a wrong password.
     */
    record BadRequest(String reason) implements AuthOutcome {}

    /** Credentials were given and are wrong, or name no enabled account: answer 403. Counts toward a ban. */
    record Forbidden(String reason) implements AuthOutcome {}
}
