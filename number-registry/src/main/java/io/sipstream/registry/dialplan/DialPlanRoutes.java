package io.sipstream.registry.dialplan;

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
import io.sipstream.platform.accounts.DialRule;
import io.sipstream.registry.rest.Idempotency;
import io.sipstream.registry.rest.IfMatch;
import io.sipstream.registry.store.Written;
import java.util.List;
import java.util.Map;

/** {@code PUT /v1/accounts/{id}/dialplan} (and GET, to read it back). */
public final class DialPlanRoutes {

    @OpenApi(path = "/v1/accounts/{id}/dialplan",
            methods = HttpMethod.PUT,
            versions = RegistryApi.DOCUMENT,
            tags = "accounts",
            summary = "Replace the account's dial plan",
            pathParams = {@OpenApiParam(name = "id", required = true, description = "the account id")},
            headers = {@OpenApiParam(name = "Idempotency-Key", description = RegistryApi.IDEMPOTENCY_KEY), @OpenApiParam(name = "If-Match", description = RegistryApi.IF_MATCH), @OpenApiParam(name = "If-None-Match", description = RegistryApi.IF_NONE_MATCH)},
            requestBody = @OpenApiRequestBody(required = true, content = @OpenApiContent(mimeType = "application/json", properties = @OpenApiContentProperty(name = "rules", isArray = true, from = DialRule.class))),
            responses = {@OpenApiResponse(status = "200", description = "the dial plan and the account's version", content = @OpenApiContent(mimeType = "application/json", properties = {@OpenApiContentProperty(name = "rules", isArray = true, from = DialRule.class), @OpenApiContentProperty(name = "version", type = "integer", format = "int64")})), @OpenApiResponse(status = "400", description = "a malformed body, header or parameter (field names it)"), @OpenApiResponse(status = "404", description = "no such record"), @OpenApiResponse(status = "409", description = "the first request with this Idempotency-Key is still being answered"), @OpenApiResponse(status = "412", description = "If-Match or If-None-Match not met"), @OpenApiResponse(status = "422", description = "a value the rules refuse, or an Idempotency-Key used for another request")})
    @OpenApi(path = "/v1/accounts/{id}/dialplan",
            methods = HttpMethod.GET,
            versions = RegistryApi.DOCUMENT,
            tags = "accounts",
            summary = "The account's dial plan",
            pathParams = {@OpenApiParam(name = "id", required = true, description = "the account id")},
            responses = {@OpenApiResponse(status = "200", description = "the dial plan and the account's version", content = @OpenApiContent(mimeType = "application/json", properties = {@OpenApiContentProperty(name = "rules", isArray = true, from = DialRule.class), @OpenApiContentProperty(name = "version", type = "integer", format = "int64")})), @OpenApiResponse(status = "404", description = "no such record")})
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
