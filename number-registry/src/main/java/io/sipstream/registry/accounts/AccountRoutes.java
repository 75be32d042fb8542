package io.sipstream.registry.accounts;

import io.javalin.Javalin;
import io.javalin.openapi.HttpMethod;
import io.javalin.openapi.OpenApi;
import io.javalin.openapi.OpenApiContent;
import io.javalin.openapi.OpenApiContentProperty;
import io.javalin.openapi.OpenApiParam;
import io.javalin.openapi.OpenApiRequestBody;
import io.javalin.openapi.OpenApiResponse;
import io.sipstream.registry.rest.RegistryApi;
import io.sipstream.platform.accounts.AccountDoc;
import io.sipstream.registry.rest.Idempotency;
import io.sipstream.registry.rest.IfMatch;
import io.sipstream.registry.rest.Pages;
import io.sipstream.registry.store.Written;

/** {@code PUT/GET/DELETE /v1/accounts/{id}} and {@code GET /v1/accounts}, a page of them. */
public final class AccountRoutes {

    @OpenApi(path = "/v1/accounts/{id}",
            methods = HttpMethod.PUT,
            versions = RegistryApi.DOCUMENT,
            tags = "accounts",
            summary = "Create or replace an account",
            pathParams = {@OpenApiParam(name = "id", required = true, description = "the account id")},
            headers = {@OpenApiParam(name = "Idempotency-Key", description = RegistryApi.IDEMPOTENCY_KEY), @OpenApiParam(name = "If-Match", description = RegistryApi.IF_MATCH), @OpenApiParam(name = "If-None-Match", description = RegistryApi.IF_NONE_MATCH)},
            requestBody = @OpenApiRequestBody(required = true, description = "the account's writable fields (docs/api.md); read-only fields are ignored", content = @OpenApiContent(from = AccountDoc.class)),
            responses = {@OpenApiResponse(status = "200", description = "replaced", content = @OpenApiContent(from = AccountDoc.class)), @OpenApiResponse(status = "201", description = "created", content = @OpenApiContent(from = AccountDoc.class)), @OpenApiResponse(status = "400", description = "a malformed body, header or parameter (field names it)"), @OpenApiResponse(status = "409", description = "the first request with this Idempotency-Key is still being answered"), @OpenApiResponse(status = "412", description = "If-Match or If-None-Match not met"), @OpenApiResponse(status = "422", description = "a value the rules refuse, or an Idempotency-Key used for another request")})
    @OpenApi(path = "/v1/accounts",
            methods = HttpMethod.GET,
            versions = RegistryApi.DOCUMENT,
            tags = "accounts",
            summary = "List accounts, by id, a page at a time",
            queryParams = {@OpenApiParam(name = "limit", type = Integer.class, description = RegistryApi.LIMIT), @OpenApiParam(name = "cursor", description = RegistryApi.CURSOR), @OpenApiParam(name = "q", description = "only accounts whose id or display name contain this (case-insensitive)")},
            responses = {@OpenApiResponse(status = "200", description = "a page of accounts", content = @OpenApiContent(mimeType = "application/json", properties = {@OpenApiContentProperty(name = "items", isArray = true, from = AccountDoc.class), @OpenApiContentProperty(name = "next", type = "string")})), @OpenApiResponse(status = "400", description = "a malformed body, header or parameter (field names it)")})
    @OpenApi(path = "/v1/accounts/{id}",
            methods = HttpMethod.GET,
            versions = RegistryApi.DOCUMENT,
            tags = "accounts",
            summary = "An account",
            pathParams = {@OpenApiParam(name = "id", required = true, description = "the account id")},
            responses = {@OpenApiResponse(status = "200", description = "the account (ETag: its version)", content = @OpenApiContent(from = AccountDoc.class)), @OpenApiResponse(status = "404", description = "no such record")})
    @OpenApi(path = "/v1/accounts/{id}",
            methods = HttpMethod.DELETE,
            versions = RegistryApi.DOCUMENT,
            tags = "accounts",
            summary = "Delete an account, releasing its numbers",
            pathParams = {@OpenApiParam(name = "id", required = true, description = "the account id")},
            headers = {@OpenApiParam(name = "Idempotency-Key", description = RegistryApi.IDEMPOTENCY_KEY), @OpenApiParam(name = "If-Match", description = RegistryApi.IF_MATCH)},
            responses = {@OpenApiResponse(status = "204", description = "deleted"), @OpenApiResponse(status = "404", description = "no such record"), @OpenApiResponse(status = "409", description = "the first request with this Idempotency-Key is still being answered"), @OpenApiResponse(status = "412", description = "If-Match or If-None-Match not met"), @OpenApiResponse(status = "422", description = "a value the rules refuse, or an Idempotency-Key used for another request")})
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
