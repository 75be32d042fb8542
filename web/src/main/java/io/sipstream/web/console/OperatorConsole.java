package io.sipstream.web.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipstream.platform.http.AdminServer;
import io.sipstream.platform.http.ApiException;
import io.sipstream.platform.http.Json;
import io.sipstream.web.StaticPages;
import io.sipstream.web.WebDocument;
import io.sipstream.web.session.Sessions;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * The operator console at {@value #PREFIX}: static pages that call the admin REST API from the browser.
 * The operator logs in once with the API key ({@code POST /console/session}); the key is checked and
 * forgotten, and the browser holds a session cookie instead, which the admin server takes in place of
 * {@code Authorization} on every {@code /v1} path, with the session's CSRF token on every write.
 */
public final class OperatorConsole {
    public static final String PREFIX = "/console/";
    public static final String COOKIE = "sipstream_console";
    /** An operator away this long logs in again; a session never lasts longer than a working day. */
    public static final Duration IDLE_TIMEOUT = Duration.ofMinutes(30);
    public static final Duration MAX_AGE = Duration.ofHours(12);
    private static final String OPERATOR = "operator";

    private final Sessions sessions;

    private OperatorConsole(Sessions sessions) { this.sessions = sessions; }

    /** Mounts the console's pages and session endpoints on the admin server, and lets its sessions use the API. */
    public static OperatorConsole mount(AdminServer admin, Clock clock) {
        OperatorConsole console = new OperatorConsole(new Sessions(COOKIE, IDLE_TIMEOUT, MAX_AGE, clock));
        StaticPages pages = new StaticPages("web/console", "index.html", "console.js", "views.js", "charts.js")
                .with("web/common", StaticPages.COMMON);
        admin.openPrefix(PREFIX).documentation(WebDocument.DOCUMENT);
        admin.browserSessions(ctx -> console.sessions.current(ctx) != null);
        admin.routes(app -> {
            app.post(PREFIX + "session", ctx -> {
                JsonNode body = Json.parseBody(ctx.body());
                JsonNode key = body.get("apiKey");
                if (key == null || !key.isTextual() || key.asText().isBlank()) {
                    throw ApiException.badRequest("apiKey", "the API key is required");
                }
                if (!admin.isApiKey(key.asText().trim())) throw new ApiException(403, "apiKey", "wrong API key");
                Sessions.Session session = console.sessions.open(ctx, OPERATOR);
                ctx.status(201).json(Map.of("csrfToken", session.csrfToken()));
            });
            // a reloaded page asks for its token again: the token lives in the page's memory only
            app.get(PREFIX + "session", ctx -> {
                Sessions.Session session = console.sessions.current(ctx);
                if (session == null) throw new ApiException(401, null, "not logged in");
                ctx.json(Map.of("csrfToken", session.csrfToken()));
            });
            app.delete(PREFIX + "session", ctx -> {
                console.sessions.current(ctx); // a cross-site page may not log the operator out either
                console.sessions.close(ctx);
                ctx.status(204);
            });
            pages.mount(app, PREFIX);
        });
        return console;
    }
}
