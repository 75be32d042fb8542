package io.sipstream.platform.http;

import io.javalin.http.Context;

/**
 * What lets a browser use the admin API without holding the API key: a session the operator opened
 * by giving the key once (the web console's log-in). Asked only for a request without an
 * {@code Authorization} header.
 */
public interface BrowserSessions {
    /**
     * True when the request carries a live operator session; throws an {@link ApiException} (403) when
     * it does but a state-changing request lacks the session's CSRF token.
     */
    boolean admits(Context ctx);
}
