package io.sipstream.web;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.sipstream.platform.http.ApiException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The files of one web app (HTML, ES modules, CSS) from the classpath, read once and served under a
 * path prefix. Only the files listed are served: no path from a request ever reaches the class loader.
 * Each page may load only this server's scripts and styles (Content-Security-Policy), and never in a frame.
 */
public final class StaticPages {
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8", "svg", "image/svg+xml");
    static final String POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    /** The scripts both apps load (web/common). */
    public static final String[] COMMON = {"api.js", "ui.js", "web.css"};

    private final Map<String, byte[]> files = new HashMap<>();
    private Function<Context, String> connectSources = ctx -> null;

    /** The files {@code names} of {@code resourceDir} on the classpath ({@code web/console}). */
    public StaticPages(String resourceDir, String... names) { with(resourceDir, names); }

    /** Adds the files {@code names} of another directory ({@code web/common}), served beside the first ones. */
    public StaticPages with(String resourceDir, String... names) {
        for (String name : names) {
            try (InputStream in = StaticPages.class.getClassLoader().getResourceAsStream(resourceDir + "/" + name)) {
                if (in == null) throw new IllegalStateException("missing web resource " + resourceDir + "/" + name);
                files.put(name, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return this;
    }

    /**
     * One more place the pages may connect to, per request (the portal's dialpad: the edge's WebSocket, whose URL
     * depends on the host the page came from); null adds none.
     */
    public StaticPages connectingTo(Function<Context, String> source) {
        this.connectSources = source;
        return this;
    }

    /** Serves the files under {@code prefix} ({@code /console/}); the prefix alone is {@code index.html}. */
    public void mount(Javalin app, String prefix) {
        app.get(prefix, ctx -> serve(ctx, "index.html"));
        app.get(prefix + "{file}", ctx -> serve(ctx, ctx.pathParam("file")));
    }

    private void serve(Context ctx, String name) {
        byte[] body = files.get(name);
        if (body == null) throw ApiException.notFound("page " + name);
        String type = TYPES.getOrDefault(name.substring(name.lastIndexOf('.') + 1), "application/octet-stream");
        String connect = connectSources.apply(ctx);
        ctx.header("Content-Security-Policy", connect == null ? POLICY : POLICY.replace("connect-src 'self'", "connect-src 'self' " + connect))
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .header("Cache-Control", "no-cache")
                .contentType(type).result(body);
    }
}
