package io.sipstream.registry.routes;

import io.javalin.Javalin;
import io.javalin.http.Context;
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
import io.sipstream.registry.store.RouteDoc;
import io.sipstream.registry.store.Written;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code PUT/GET/DELETE /v1/routes/{id}} and {@code GET /v1/routes}. */
public final class RouteRoutes {

    @OpenApi(path = "/v1/routes",
            methods = HttpMethod.GET,
            versions = RegistryApi.DOCUMENT,
            tags = "routes",
            summary = "The shared route table, by id, a page at a time (every route when neither limit nor cursor is given)",
            queryParams = {@OpenApiParam(name = "limit", type = Integer.class, description = RegistryApi.LIMIT), @OpenApiParam(name = "cursor", description = RegistryApi.CURSOR)},
            responses = {@OpenApiResponse(status = "200", description = "a page of routes (every route without limit and cursor); routes: the same items, the list's key before it had pages", content = @OpenApiContent(mimeType = "application/json", properties = {@OpenApiContentProperty(name = "items", isArray = true, from = RouteDoc.class), @OpenApiContentProperty(name = "next", type = "string"), @OpenApiContentProperty(name = "routes", isArray = true, from = RouteDoc.class)})), @OpenApiResponse(status = "400", description = "a malformed body, header or parameter (field names it)")})
    @OpenApi(path = "/v1/routes/{id}",
            methods = HttpMethod.PUT,
            versions = RegistryApi.DOCUMENT,
            tags = "routes",
            summary = "Create or replace a route",
            pathParams = {@OpenApiParam(name = "id", required = true, description = "the route id")},
            headers = {@OpenApiParam(name = "Idempotency-Key", description = RegistryApi.IDEMPOTENCY_KEY), @OpenApiParam(name = "If-Match", description = RegistryApi.IF_MATCH), @OpenApiParam(name = "If-None-Match", description = RegistryApi.IF_NONE_MATCH)},
            requestBody = @OpenApiRequestBody(required = true, description = "the route's fields (docs/api.md); id, version and updatedAt are read-only", content = @OpenApiContent(from = RouteDoc.class)),
            responses = {@OpenApiResponse(status = "200", description = "replaced", content = @OpenApiContent(from = RouteDoc.class)), @OpenApiResponse(status = "201", description = "created", content = @OpenApiContent(from = RouteDoc.class)), @OpenApiResponse(status = "400", description = "a malformed body, header or parameter (field names it)"), @OpenApiResponse(status = "409", description = "the first request with this Idempotency-Key is still being answered"), @OpenApiResponse(status = "412", description = "If-Match or If-None-Match not met"), @OpenApiResponse(status = "422", description = "a value the rules refuse, or an Idempotency-Key used for another request")})
    @OpenApi(path = "/v1/routes/{id}",
            methods = HttpMethod.GET,
            versions = RegistryApi.DOCUMENT,
            tags = "routes",
            summary = "A route",
            pathParams = {@OpenApiParam(name = "id", required = true, description = "the route id")},
            responses = {@OpenApiResponse(status = "200", description = "the route (ETag: its version)", content = @OpenApiContent(from = RouteDoc.class)), @OpenApiResponse(status = "404", description = "no such record")})
    @OpenApi(path = "/v1/routes/{id}",
            methods = HttpMethod.DELETE,
            versions = RegistryApi.DOCUMENT,
            tags = "routes",
            summary = "Delete a route",
            pathParams = {@OpenApiParam(name = "id", required = true, description = "the route id")},
            headers = {@OpenApiParam(name = "Idempotency-Key", description = RegistryApi.IDEMPOTENCY_KEY), @OpenApiParam(name = "If-Match", description = RegistryApi.IF_MATCH)},
            responses = {@OpenApiResponse(status = "204", description = "deleted"), @OpenApiResponse(status = "404", description = "no such record"), @OpenApiResponse(status = "409", description = "the first request with this Idempotency-Key is still being answered"), @OpenApiResponse(status = "412", description = "If-Match or If-None-Match not met"), @OpenApiResponse(status = "422", description = "a value the rules refuse, or an Idempotency-Key used for another request")})
    public static void mount(Javalin app, RouteService routes, Idempotency writes) {
        app.get("/v1/routes", ctx -> ctx.json(body(ctx, routes)));
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

    /**
     * A page like every list's ({@code items}, {@code next}), also under {@code routes}, the list's only key before it
     * had pages. A client that asks with neither {@code limit} nor {@code cursor} was written for the whole list: it
     * gets every route, as it did.
     */
    private static Map<String, Object> body(Context ctx, RouteService routes) {
        boolean paged = ctx.queryParam("limit") != null || ctx.queryParam("cursor") != null;
        Pages.Page<RouteDoc> page = paged ? routes.list(Pages.of(ctx)) : new Pages.Page<>(routes.all(), null);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", page.items());
        body.put("next", page.next());
        body.put("routes", page.items());
        return body;
    }

    private RouteRoutes() {}
}
