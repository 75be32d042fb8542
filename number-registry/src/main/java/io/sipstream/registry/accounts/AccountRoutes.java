package io.sipstream.registry.accounts;

import io.javalin.Javalin;
import io.sipstream.platform.accounts.AccountDoc;
import io.sipstream.registry.rest.Idempotency;
import io.sipstream.registry.rest.IfMatch;
import io.sipstream.registry.rest.Pages;
import io.sipstream.registry.store.Written;

/** {@code PUT/GET/DELETE /v1/accounts/{id}} and {@code GET /v1/accounts}, a page of them. */
public final class AccountRoutes {

    public static void mount(Javalin app, AccountService accounts, Idempotency writes) {
        app.put("/v1/accounts/{id}", writes.wrap(ctx -> {
            Written<AccountDoc> written = accounts.put(ctx.pathParam("id"), ctx.body(), IfMatch.of(ctx));
            ctx.status(written.created() ? 201 : 200).header("ETag", IfMatch.etag(written.version()))
                    .json(accounts.view(written.doc()));
        }));
        app.get("/v1/accounts", ctx -> ctx.json(accounts.list(Pages.of(ctx), ctx.queryParam("q"))));
        app.get("/v1/accounts/{id}", ctx -> {
            AccountDoc doc = accounts.get(ctx.pathParam("id"));
            ctx.header("ETag", IfMatch.etag(doc.version())).json(accounts.view(doc));
        });
        app.delete("/v1/accounts/{id}", writes.wrap(ctx -> {
            accounts.delete(ctx.pathParam("id"), IfMatch.of(ctx));
            ctx.status(204);
        }));
    }

    private AccountRoutes() {}
}
