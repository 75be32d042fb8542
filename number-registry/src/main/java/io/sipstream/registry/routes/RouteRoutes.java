package io.sipstream.registry.routes;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.sipstream.registry.rest.Idempotency;
import io.sipstream.registry.rest.IfMatch;
import io.sipstream.registry.rest.Pages;
import io.sipstream.registry.store.RouteDoc;
import io.sipstream.registry.store.Written;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code PUT/GET/DELETE /v1/routes/{id}} and {@code GET /v1/routes}. */
public final class RouteRoutes {

    public static void mount(Javalin app, RouteService routes, Idempotency writes) {
        app.get("/v1/routes", ctx -> ctx.json(body(ctx, routes)));
        app.put("/v1/routes/{id}", writes.wrap(ctx -> {
            Written<RouteDoc> written = routes.put(ctx.pathParam("id"), ctx.body(), IfMatch.of(ctx));
            ctx.status(written.created() ? 201 : 200).header("ETag", IfMatch.etag(written.version())).json(written.doc());
        }));
        app.get("/v1/routes/{id}", ctx -> {
            RouteDoc doc = routes.get(ctx.pathParam("id"));
            ctx.header("ETag", IfMatch.etag(doc.version())).json(doc);
        });
        app.delete("/v1/routes/{id}", writes.wrap(ctx -> {
            routes.delete(ctx.pathParam("id"), IfMatch.of(ctx));
            ctx.status(204);
        }));
    }

    /**
     * A page like every list's ({@code items}, {@code next}), also under {@code routes}, the list's only key before it
     * had pages. A client that asks with neither {@code limit} nor {@code cursor} was written for the whole list: it
     * gets every route, as it did.
     */
    private static Map<String, Object> body(Context ctx, RouteService routes) {
        boolean paged = ctx.queryParam("limit") != null || ctx.queryParam("cursor") != null;
        Pages.Page<RouteDoc> page = paged ? routes.list(Pages.of(ctx)) : new Pages.Page<>(routes.all(), null);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", page.items());
        body.put("next", page.next());
        body.put("routes", page.items());
        return body;
    }

    private RouteRoutes() {}
}
