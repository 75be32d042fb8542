package io.sipstream.registry.dialplan;

import io.javalin.Javalin;
import io.sipstream.platform.accounts.AccountDoc;
import io.sipstream.platform.accounts.DialRule;
import io.sipstream.registry.rest.Idempotency;
import io.sipstream.registry.rest.IfMatch;
import io.sipstream.registry.store.Written;
import java.util.List;
import java.util.Map;

/** {@code PUT /v1/accounts/{id}/dialplan} (and GET, to read it back). */
public final class DialPlanRoutes {

    public static void mount(Javalin app, DialPlanService dialPlans, Idempotency writes) {
        app.put("/v1/accounts/{id}/dialplan", writes.wrap(ctx -> {
            Written<List<DialRule>> written = dialPlans.put(ctx.pathParam("id"), ctx.body(), IfMatch.of(ctx));
            ctx.header("ETag", IfMatch.etag(written.version())).json(Map.of("rules", written.doc(), "version", written.version()));
        }));
        app.get("/v1/accounts/{id}/dialplan", ctx -> {
            AccountDoc account = dialPlans.account(ctx.pathParam("id"));
            ctx.header("ETag", IfMatch.etag(account.version())).json(Map.of("rules", account.dialPlan(), "version", account.version()));
        });
    }

    private DialPlanRoutes() {}
}
