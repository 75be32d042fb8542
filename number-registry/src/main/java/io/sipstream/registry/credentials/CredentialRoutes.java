package io.sipstream.registry.credentials;

import io.javalin.Javalin;
import io.javalin.openapi.HttpMethod;
import io.javalin.openapi.OpenApi;
import io.javalin.openapi.OpenApiContent;
import io.javalin.openapi.OpenApiContentProperty;
import io.javalin.openapi.OpenApiParam;
import io.javalin.openapi.OpenApiRequestBody;
import io.javalin.openapi.OpenApiResponse;
import io.sipstream.registry.rest.RegistryApi;
import io.sipstream.registry.credentials.CredentialService.SipAccount;
import io.sipstream.registry.rest.Idempotency;
import io.sipstream.registry.rest.IfMatch;
import io.sipstream.registry.store.Written;

/** {@code PUT /v1/accounts/{id}/password} and {@code GET /v1/accounts/{id}/sip}. */
public final class CredentialRoutes {

    @OpenApi(path = "/v1/accounts/{id}/password",
            methods = HttpMethod.PUT,
            versions = RegistryApi.DOCUMENT,
            tags = "accounts",
            summary = "Set the account's SIP digest password",
            pathParams = {@OpenApiParam(name = "id", required = true, description = "the account id")},
            headers = {@OpenApiParam(name = "Idempotency-Key", description = RegistryApi.IDEMPOTENCY_KEY), @OpenApiParam(name = "If-Match", description = RegistryApi.IF_MATCH), @OpenApiParam(name = "If-None-Match", description = RegistryApi.IF_NONE_MATCH)},
            requestBody = @OpenApiRequestBody(required = true, content = @OpenApiContent(mimeType = "application/json", properties = @OpenApiContentProperty(name = "password", type = "string"))),
            responses = {@OpenApiResponse(status = "200", description = "replaced", content = @OpenApiContent(from = CredentialService.SipAccount.class)), @OpenApiResponse(status = "201", description = "set for the first time", content = @OpenApiContent(from = CredentialService.SipAccount.class)), @OpenApiResponse(status = "400", description = "a malformed body, header or parameter (field names it)"), @OpenApiResponse(status = "404", description = "no such record"), @OpenApiResponse(status = "409", description = "the first request with this Idempotency-Key is still being answered"), @OpenApiResponse(status = "412", description = "If-Match or If-None-Match not met"), @OpenApiResponse(status = "422", description = "a value the rules refuse, or an Idempotency-Key used for another request")})
    @OpenApi(path = "/v1/accounts/{id}/sip",
            methods = HttpMethod.GET,
            versions = RegistryApi.DOCUMENT,
            tags = "accounts",
            summary = "What a phone of the account registers with",
            pathParams = {@OpenApiParam(name = "id", required = true, description = "the account id")},
            responses = {@OpenApiResponse(status = "200", description = "the SIP account", content = @OpenApiContent(from = CredentialService.SipAccount.class)), @OpenApiResponse(status = "404", description = "no such record")})
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
