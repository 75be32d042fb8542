package io.sipstream.registry.dids;

import io.javalin.Javalin;
import io.javalin.openapi.HttpMethod;
import io.javalin.openapi.OpenApi;
import io.javalin.openapi.OpenApiContent;
import io.javalin.openapi.OpenApiContentProperty;
import io.javalin.openapi.OpenApiParam;
import io.javalin.openapi.OpenApiRequestBody;
import io.javalin.openapi.OpenApiResponse;
import io.sipstream.registry.rest.RegistryApi;
import io.sipstream.registry.rest.Idempotency;
import io.sipstream.registry.rest.IfMatch;
import io.sipstream.registry.store.DidDoc;
import io.sipstream.registry.store.Written;

/** {@code PUT/GET/DELETE /v1/numbers/{number}/trunk}: the trunk a number's inbound calls arrive on. */
public final class DidRoutes {

    @OpenApi(path = "/v1/numbers/{number}/trunk",
            methods = HttpMethod.PUT,
            versions = RegistryApi.DOCUMENT,
            tags = "numbers",
            summary = "Bind an inbound number (DID) to a trunk",
            pathParams = {@OpenApiParam(name = "number", required = true, description = "the number, E.164")},
            headers = {@OpenApiParam(name = "Idempotency-Key", description = RegistryApi.IDEMPOTENCY_KEY), @OpenApiParam(name = "If-Match", description = RegistryApi.IF_MATCH), @OpenApiParam(name = "If-None-Match", description = RegistryApi.IF_NONE_MATCH)},
            requestBody = @OpenApiRequestBody(required = true, description = "trunk: the trunk the number arrives on; the rest is read-only", content = @OpenApiContent(from = DidDoc.class)),
            responses = {@OpenApiResponse(status = "200", description = "replaced", content = @OpenApiContent(from = DidDoc.class)), @OpenApiResponse(status = "201", description = "created", content = @OpenApiContent(from = DidDoc.class)), @OpenApiResponse(status = "400", description = "a malformed body, header or parameter (field names it)"), @OpenApiResponse(status = "409", description = "the first request with this Idempotency-Key is still being answered"), @OpenApiResponse(status = "412", description = "If-Match or If-None-Match not met"), @OpenApiResponse(status = "422", description = "a value the rules refuse, or an Idempotency-Key used for another request")})
    @OpenApi(path = "/v1/numbers/{number}/trunk",
            methods = HttpMethod.GET,
            versions = RegistryApi.DOCUMENT,
            tags = "numbers",
            summary = "The trunk a DID is bound to",
            pathParams = {@OpenApiParam(name = "number", required = true, description = "the number, E.164")},
            responses = {@OpenApiResponse(status = "200", description = "the binding", content = @OpenApiContent(from = DidDoc.class)), @OpenApiResponse(status = "404", description = "no such record")})
    @OpenApi(path = "/v1/numbers/{number}/trunk",
            methods = HttpMethod.DELETE,
            versions = RegistryApi.DOCUMENT,
            tags = "numbers",
            summary = "Unbind a DID",
            pathParams = {@OpenApiParam(name = "number", required = true, description = "the number, E.164")},
            headers = {@OpenApiParam(name = "Idempotency-Key", description = RegistryApi.IDEMPOTENCY_KEY), @OpenApiParam(name = "If-Match", description = RegistryApi.IF_MATCH)},
            responses = {@OpenApiResponse(status = "204", description = "unbound"), @OpenApiResponse(status = "404", description = "no such record"), @OpenApiResponse(status = "409", description = "the first request with this Idempotency-Key is still being answered"), @OpenApiResponse(status = "412", description = "If-Match or If-None-Match not met"), @OpenApiResponse(status = "422", description = "a value the rules refuse, or an Idempotency-Key used for another request")})
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
