package io.sipstream.edge.auth;

import javax.sip.address.SipURI;
import javax.sip.header.AuthorizationHeader;
import javax.sip.header.FromHeader;
import javax.sip.message.Request;

/**
 * The user a request speaks for, before anything is checked: the digest username of its
 * Authorization, else the user of its From. Auth failures are counted against it and bans read
 * it, by this one rule, so a phone's unauthenticated first request finds the ban its retries earned.
 */
public final class ClaimedUser {

    /** The claimed user, or "" when the request names none. */
    public static String of(Request request) {
        if (request.getHeader(AuthorizationHeader.NAME) instanceof AuthorizationHeader auth && auth.getUsername() != null) {
            return auth.getUsername();
        }
        if (request.getHeader(FromHeader.NAME) instanceof FromHeader from && from.getAddress() != null
                && from.getAddress().getURI() instanceof SipURI uri && uri.getUser() != null) {
            return uri.getUser();
        }
        return "";
    }

    private ClaimedUser() {}
}
