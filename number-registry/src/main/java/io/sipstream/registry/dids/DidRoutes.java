package io.sipstream.registry.dids;

import io.javalin.Javalin;
import io.sipstream.registry.rest.Idempotency;
import io.sipstream.registry.rest.IfMatch;
import io.sipstream.registry.store.DidDoc;
import io.sipstream.registry.store.Written;

/** {@code PUT/GET/DELETE /v1/numbers/{number}/trunk}: the trunk a number's inbound calls arrive on. */
public final class DidRoutes {

    public static void mount(Javalin app, DidService dids, Idempotency writes) {
        app.put("/v1/numbers/{number}/trunk", writes.wrap(ctx -> {
            Written<DidDoc> written = dids.put(ctx.pathParam("number"), ctx.body(), IfMatch.of(ctx));
            ctx.status(written.created() ? 201 : 200).header("ETag", IfMatch.etag(written.version())).json(written.doc());
        }));
        app.get("/v1/numbers/{number}/trunk", ctx -> {
            DidDoc doc = dids.get(ctx.pathParam("number"));
            ctx.header("ETag", IfMatch.etag(doc.version())).json(doc);
        });
        app.delete("/v1/numbers/{number}/trunk", writes.wrap(ctx -> {
            dids.delete(ctx.pathParam("number"), IfMatch.of(ctx));
            ctx.status(204);
        }));
    }

    private DidRoutes() {}
}
