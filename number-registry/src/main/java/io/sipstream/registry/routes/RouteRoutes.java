package io.sipstream.registry.routes;

import io.javalin.Javalin;
import io.sipstream.registry.rest.Idempotency;
import io.sipstream.registry.rest.IfMatch;
import io.sipstream.registry.store.RouteDoc;
import io.sipstream.registry.store.Written;
import java.util.Map;

/** {@code PUT/GET/DELETE /v1/routes/{id}} and {@code GET /v1/routes}. */
public final class RouteRoutes {

    public static void mount(Javalin app, RouteService routes, Idempotency writes) {
        app.get("/v1/routes", ctx -> ctx.json(Map.of("routes", routes.list())));
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

    private RouteRoutes() {}
}
