package io.sipstream.registry.trunks;

import io.javalin.Javalin;
import io.sipstream.registry.rest.IfMatch;
import io.sipstream.registry.store.TrunkDoc;
import io.sipstream.registry.store.Written;

/** {@code PUT/GET/DELETE /v1/trunks/{id}}. */
public final class TrunkRoutes {

    public static void mount(Javalin app, TrunkService trunks) {
        app.put("/v1/trunks/{id}", ctx -> {
            Written<TrunkDoc> written = trunks.put(ctx.pathParam("id"), ctx.body(), IfMatch.of(ctx));
            ctx.status(written.created() ? 201 : 200).header("ETag", IfMatch.etag(written.version())).json(written.doc());
        });
        app.get("/v1/trunks/{id}", ctx -> {
            TrunkDoc doc = trunks.get(ctx.pathParam("id"));
            ctx.header("ETag", IfMatch.etag(doc.version())).json(doc);
        });
        app.delete("/v1/trunks/{id}", ctx -> {
            trunks.delete(ctx.pathParam("id"), IfMatch.of(ctx));
            ctx.status(204);
        });
    }

    private TrunkRoutes() {}
}
