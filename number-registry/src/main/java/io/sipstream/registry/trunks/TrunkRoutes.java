package io.sipstream.registry.trunks;

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
import io.sipstream.registry.rest.Pages;
import io.sipstream.registry.store.TrunkDoc;
import io.sipstream.registry.store.Written;

/** {@code PUT/GET/DELETE /v1/trunks/{id}} and {@code GET /v1/trunks}, a page of them. */
public final class TrunkRoutes {

    @OpenApi(path = "/v1/trunks/{id}",
            methods = HttpMethod.PUT,
            versions = RegistryApi.DOCUMENT,
            tags = "trunks",
            summary = "Create or replace a trunk",
            pathParams = {@OpenApiParam(name = "id", required = true, description = "the trunk id")},
            headers = {@OpenApiParam(name = "Idempotency-Key", description = RegistryApi.IDEMPOTENCY_KEY), @OpenApiParam(name = "If-Match", description = RegistryApi.IF_MATCH), @OpenApiParam(name = "If-None-Match", description = RegistryApi.IF_NONE_MATCH)},
            requestBody = @OpenApiRequestBody(required = true, description = "the trunk's fields (docs/api.md), plus password (write-only); id, hasCredentials, version and updatedAt are read-only", content = @OpenApiContent(from = TrunkDoc.class)),
            responses = {@OpenApiResponse(status = "200", description = "replaced", content = @OpenApiContent(from = TrunkDoc.class)), @OpenApiResponse(status = "201", description = "created", content = @OpenApiContent(from = TrunkDoc.class)), @OpenApiResponse(status = "400", description = "a malformed body, header or parameter (field names it)"), @OpenApiResponse(status = "409", description = "the first request with this Idempotency-Key is still being answered"), @OpenApiResponse(status = "412", description = "If-Match or If-None-Match not met"), @OpenApiResponse(status = "422", description = "a value the rules refuse, or an Idempotency-Key used for another request")})
    @OpenApi(path = "/v1/trunks",
            methods = HttpMethod.GET,
            versions = RegistryApi.DOCUMENT,
            tags = "trunks",
            summary = "List trunks, by id, a page at a time",
            queryParams = {@OpenApiParam(name = "limit", type = Integer.class, description = RegistryApi.LIMIT), @OpenApiParam(name = "cursor", description = RegistryApi.CURSOR)},
            responses = {@OpenApiResponse(status = "200", description = "a page of trunks", content = @OpenApiContent(mimeType = "application/json", properties = {@OpenApiContentProperty(name = "items", isArray = true, from = TrunkDoc.class), @OpenApiContentProperty(name = "next", type = "string")})), @OpenApiResponse(status = "400", description = "a malformed body, header or parameter (field names it)")})
    @OpenApi(path = "/v1/trunks/{id}",
            methods = HttpMethod.GET,
            versions = RegistryApi.DOCUMENT,
            tags = "trunks",
            summary = "A trunk",
            pathParams = {@OpenApiParam(name = "id", required = true, description = "the trunk id")},
            responses = {@OpenApiResponse(status = "200", description = "the trunk (ETag: its version)", content = @OpenApiContent(from = TrunkDoc.class)), @OpenApiResponse(status = "404", description = "no such record")})
    @OpenApi(path = "/v1/trunks/{id}",
            methods = HttpMethod.DELETE,
            versions = RegistryApi.DOCUMENT,
            tags = "trunks",
            summary = "Delete a trunk",
            pathParams = {@OpenApiParam(name = "id", required = true, description = "the trunk id")},
            headers = {@OpenApiParam(name = "Idempotency-Key", description = RegistryApi.IDEMPOTENCY_KEY), @OpenApiParam(name = "If-Match", description = RegistryApi.IF_MATCH)},
            responses = {@OpenApiResponse(status = "204", description = "deleted"), @OpenApiResponse(status = "404", description = "no such record"), @OpenApiResponse(status = "409", description = "the first request with this Idempotency-Key is still being answered"), @OpenApiResponse(status = "412", description = "If-Match or If-None-Match not met"), @OpenApiResponse(status = "422", description = "a value the rules refuse, or an Idempotency-Key used for another request")})
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
