package io.sipstream.registry.numbers;

import io.javalin.Javalin;
import io.javalin.openapi.HttpMethod;
import io.javalin.openapi.OpenApi;
import io.javalin.openapi.OpenApiContent;
import io.javalin.openapi.OpenApiContentProperty;
import io.javalin.openapi.OpenApiParam;
import io.javalin.openapi.OpenApiRequestBody;
import io.javalin.openapi.OpenApiResponse;
import io.sipstream.registry.rest.RegistryApi;
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

    @OpenApi(path = "/v1/accounts/{id}/numbers/{number}",
            methods = HttpMethod.PUT,
            versions = RegistryApi.DOCUMENT,
            tags = "numbers",
            summary = "Assign a number to an account",
            pathParams = {@OpenApiParam(name = "id", required = true, description = "the account id"), @OpenApiParam(name = "number", required = true, description = "the number; normalised to E.164 by the account's region")},
            headers = {@OpenApiParam(name = "Idempotency-Key", description = RegistryApi.IDEMPOTENCY_KEY), @OpenApiParam(name = "If-Match", description = RegistryApi.IF_MATCH), @OpenApiParam(name = "If-None-Match", description = RegistryApi.IF_NONE_MATCH)},
            requestBody = @OpenApiRequestBody(description = "empty, or {}", content = @OpenApiContent(mimeType = "application/json", type = "object")),
            responses = {@OpenApiResponse(status = "200", description = "already the account's", content = @OpenApiContent(from = NumberService.Assignment.class)), @OpenApiResponse(status = "201", description = "assigned", content = @OpenApiContent(from = NumberService.Assignment.class)), @OpenApiResponse(status = "400", description = "a malformed body, header or parameter (field names it)"), @OpenApiResponse(status = "404", description = "no such record"), @OpenApiResponse(status = "409", description = "the number is another account's, or the Idempotency-Key's first request is still being answered"), @OpenApiResponse(status = "412", description = "If-Match or If-None-Match not met"), @OpenApiResponse(status = "422", description = "a value the rules refuse, or an Idempotency-Key used for another request")})
    @OpenApi(path = "/v1/accounts/{id}/numbers/{number}",
            methods = HttpMethod.DELETE,
            versions = RegistryApi.DOCUMENT,
            tags = "numbers",
            summary = "Release a number",
            pathParams = {@OpenApiParam(name = "id", required = true, description = "the account id"), @OpenApiParam(name = "number", required = true, description = "the number")},
            headers = {@OpenApiParam(name = "Idempotency-Key", description = RegistryApi.IDEMPOTENCY_KEY), @OpenApiParam(name = "If-Match", description = RegistryApi.IF_MATCH)},
            responses = {@OpenApiResponse(status = "204", description = "released (ETag: the account's version)"), @OpenApiResponse(status = "404", description = "no such record"), @OpenApiResponse(status = "409", description = "the first request with this Idempotency-Key is still being answered"), @OpenApiResponse(status = "412", description = "If-Match or If-None-Match not met"), @OpenApiResponse(status = "422", description = "a value the rules refuse, or an Idempotency-Key used for another request")})
    @OpenApi(path = "/v1/accounts/{id}/numbers",
            methods = HttpMethod.GET,
            versions = RegistryApi.DOCUMENT,
            tags = "numbers",
            summary = "An account's numbers, a page at a time",
            pathParams = {@OpenApiParam(name = "id", required = true, description = "the account id")},
            queryParams = {@OpenApiParam(name = "limit", type = Integer.class, description = RegistryApi.LIMIT), @OpenApiParam(name = "cursor", description = RegistryApi.CURSOR)},
            responses = {@OpenApiResponse(status = "200", description = "a page of the account's numbers", content = @OpenApiContent(mimeType = "application/json", properties = {@OpenApiContentProperty(name = "items", isArray = true, from = NumberService.Assignment.class), @OpenApiContentProperty(name = "next", type = "string")})), @OpenApiResponse(status = "400", description = "a malformed body, header or parameter (field names it)"), @OpenApiResponse(status = "404", description = "no such record")})
    @OpenApi(path = "/v1/numbers/{number}",
            methods = HttpMethod.GET,
            versions = RegistryApi.DOCUMENT,
            tags = "numbers",
            summary = "Who a number belongs to",
            pathParams = {@OpenApiParam(name = "number", required = true, description = "the number, E.164")},
            responses = {@OpenApiResponse(status = "200", description = "its assignment", content = @OpenApiContent(from = NumberService.Assignment.class)), @OpenApiResponse(status = "404", description = "no such record")})
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
