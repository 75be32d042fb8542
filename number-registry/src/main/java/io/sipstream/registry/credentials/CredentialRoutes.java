package io.sipstream.registry.credentials;

import io.javalin.Javalin;
import io.sipstream.registry.credentials.CredentialService.SipAccount;
import io.sipstream.registry.rest.Idempotency;
import io.sipstream.registry.rest.IfMatch;
import io.sipstream.registry.store.Written;

/** {@code PUT /v1/accounts/{id}/password} and {@code GET /v1/accounts/{id}/sip}. */
public final class CredentialRoutes {

    public static void mount(Javalin app, CredentialService credentials, Idempotency writes) {
        app.put("/v1/accounts/{id}/password", writes.wrap(ctx -> {
            Written<SipAccount> written = credentials.setPassword(ctx.pathParam("id"), ctx.body(), IfMatch.of(ctx));
            ctx.status(written.created() ? 201 : 200).header("ETag", IfMatch.etag(written.version()))
                    .json(written.doc());
        }));
        app.get("/v1/accounts/{id}/sip", ctx -> ctx.json(credentials.sip(ctx.pathParam("id"))));
    }

    private CredentialRoutes() {}
}
