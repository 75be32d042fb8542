package io.sipstream.registry.numbers;

import io.javalin.Javalin;
import io.sipstream.platform.http.ApiException;
import io.sipstream.platform.http.Json;
import io.sipstream.registry.numbers.NumberService.Assignment;
import io.sipstream.registry.rest.Idempotency;
import io.sipstream.registry.rest.IfMatch;
import io.sipstream.registry.rest.Pages;
import io.sipstream.registry.store.Written;

/**
 * {@code PUT/DELETE /v1/accounts/{id}/numbers/{number}}, {@code GET /v1/accounts/{id}/numbers} (a page of them)
 * and {@code GET /v1/numbers/{number}}.
 */
public final class NumberRoutes {

    public static void mount(Javalin app, NumberService numbers, Idempotency writes) {
        app.put("/v1/accounts/{id}/numbers/{number}", writes.wrap(ctx -> {
            // the body is empty or {}: a number has nothing to set
            var body = Json.parseBody(ctx.body());
            if (body.size() > 0) {
                throw ApiException.badRequest(body.fieldNames().next(), "unknown field: a number's PUT takes an empty body or {}");
            }
            Written<Assignment> written = numbers.assign(ctx.pathParam("id"), ctx.pathParam("number"), IfMatch.of(ctx));
            ctx.status(written.created() ? 201 : 200).header("ETag", IfMatch.etag(written.version()))
                    .json(written.doc());
        }));
        app.delete("/v1/accounts/{id}/numbers/{number}", writes.wrap(ctx -> {
            long version = numbers.release(ctx.pathParam("id"), ctx.pathParam("number"), IfMatch.of(ctx));
            ctx.status(204).header("ETag", IfMatch.etag(version));
        }));
        app.get("/v1/accounts/{id}/numbers", ctx -> ctx.json(numbers.list(ctx.pathParam("id"), Pages.of(ctx))));
        app.get("/v1/numbers/{number}", ctx -> ctx.json(numbers.lookup(ctx.pathParam("number"))));
    }

    private NumberRoutes() {}
}
