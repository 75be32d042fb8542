package io.sipstream.registry.trunks;

import io.javalin.Javalin;
import io.sipstream.registry.rest.Idempotency;
import io.sipstream.registry.rest.IfMatch;
import io.sipstream.registry.rest.Pages;
import io.sipstream.registry.store.TrunkDoc;
import io.sipstream.registry.store.Written;

/** {@code PUT/GET/DELETE /v1/trunks/{id}} and {@code GET /v1/trunks}, a page of them. */
public final class TrunkRoutes {

    public static void mount(Javalin app, TrunkService trunks, Idempotency writes) {
        app.put("/v1/trunks/{id}", writes.wrap(ctx -> {
            Written<TrunkDoc> written = trunks.put(ctx.pathParam("id"), ctx.body(), IfMatch.of(ctx));
            ctx.status(written.created() ? 201 : 200).header("ETag", IfMatch.etag(written.version())).json(written.doc());
        }));
        app.get("/v1/trunks", ctx -> ctx.json(trunks.list(Pages.of(ctx))));
        app.get("/v1/trunks/{id}", ctx -> {
            TrunkDoc doc = trunks.get(ctx.pathParam("id"));
            ctx.header("ETag", IfMatch.etag(doc.version())).json(doc);
        });
        app.delete("/v1/trunks/{id}", writes.wrap(ctx -> {
            trunks.delete(ctx.pathParam("id"), IfMatch.of(ctx));
            ctx.status(204);
        }));
    }

    private TrunkRoutes() {}
}
