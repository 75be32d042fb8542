package io.sipstream.web;

import io.javalin.openapi.HttpMethod;
import io.javalin.openapi.OpenApi;
import io.javalin.openapi.OpenApiContent;
import io.javalin.openapi.OpenApiContentProperty;
import io.javalin.openapi.OpenApiParam;
import io.javalin.openapi.OpenApiRequestBody;
import io.javalin.openapi.OpenApiResponse;

/**
 * The web apps' part of /v1/openapi.json: their pages and session endpoints (docs/api.md, "Web console and
 * portal"). The handlers are lambdas, so the annotations stand here; none of these paths takes the API key.
 */
public final class WebDocument {
    public static final String DOCUMENT = "web";

    WebDocument() {}

    // one annotation alone on a method: javalin-openapi's processor runs only for classes with a lone @OpenApi,
    // and then reads the repeated ones too
    @OpenApi(path = "/console/", methods = HttpMethod.GET, versions = DOCUMENT, tags = "web", summary = "The operator console's page",
            responses = @OpenApiResponse(status = "200", description = "the page", content = @OpenApiContent(mimeType = "text/html", type = "string")))
    private void consolePage(io.javalin.http.Context ctx) {}

    @OpenApi(path = "/console/{file}", methods = HttpMethod.GET, versions = DOCUMENT, tags = "web", summary = "A script or style of the console",
            pathParams = @OpenApiParam(name = "file", required = true, description = "a file of the console"),
            responses = {@OpenApiResponse(status = "200", description = "the file", content = @OpenApiContent(mimeType = "text/javascript", type = "string")),
                    @OpenApiResponse(status = "404", description = "no such file")})
    @OpenApi(path = "/console/session", methods = HttpMethod.POST, versions = DOCUMENT, tags = "web",
            summary = "Trades the API key for a console session (cookie sipstream_console) and its CSRF token",
            requestBody = @OpenApiRequestBody(required = true, content = @OpenApiContent(mimeType = "application/json",
                    properties = @OpenApiContentProperty(name = "apiKey", type = "string"))),
            responses = {@OpenApiResponse(status = "201", description = "logged in", content = @OpenApiContent(mimeType = "application/json",
                    properties = @OpenApiContentProperty(name = "csrfToken", type = "string"))),
                    @OpenApiResponse(status = "400", description = "no key"), @OpenApiResponse(status = "403", description = "a wrong key")})
    @OpenApi(path = "/console/session", methods = HttpMethod.GET, versions = DOCUMENT, tags = "web", summary = "The session's CSRF token",
            responses = {@OpenApiResponse(status = "200", description = "the token", content = @OpenApiContent(mimeType = "application/json",
                    properties = @OpenApiContentProperty(name = "csrfToken", type = "string"))),
                    @OpenApiResponse(status = "401", description = "no session")})
    @OpenApi(path = "/console/session", methods = HttpMethod.DELETE, versions = DOCUMENT, tags = "web", summary = "Logs out (needs X-CSRF-Token)",
            responses = {@OpenApiResponse(status = "204", description = "logged out"), @OpenApiResponse(status = "403", description = "no CSRF token")})
    private void console(io.javalin.http.Context ctx) {}

    @OpenApi(path = "/portal/", methods = HttpMethod.GET, versions = DOCUMENT, tags = "web", summary = "The self-service portal's page",
            responses = @OpenApiResponse(status = "200", description = "the page", content = @OpenApiContent(mimeType = "text/html", type = "string")))
    @OpenApi(path = "/portal/{file}", methods = HttpMethod.GET, versions = DOCUMENT, tags = "web", summary = "A script or style of the portal",
            pathParams = @OpenApiParam(name = "file", required = true, description = "a file of the portal"),
            responses = {@OpenApiResponse(status = "200", description = "the file", content = @OpenApiContent(mimeType = "text/javascript", type = "string")),
                    @OpenApiResponse(status = "404", description = "no such file")})
    @OpenApi(path = "/portal/api/signup", methods = HttpMethod.POST, versions = DOCUMENT, tags = "portal",
            summary = "Signs a user up; the same request again makes no second user",
            requestBody = @OpenApiRequestBody(required = true, content = @OpenApiContent(mimeType = "application/json", properties = {
                    @OpenApiContentProperty(name = "username", type = "string"), @OpenApiContentProperty(name = "password", type = "string"),
                    @OpenApiContentProperty(name = "signupCode", type = "string")})),
            responses = {@OpenApiResponse(status = "201", description = "a new user", content = @OpenApiContent(mimeType = "application/json", type = "object")),
                    @OpenApiResponse(status = "200", description = "the same sign-up again", content = @OpenApiContent(mimeType = "application/json", type = "object")),
                    @OpenApiResponse(status = "403", description = "a wrong sign-up code"), @OpenApiResponse(status = "409", description = "the username is taken"),
                    @OpenApiResponse(status = "422", description = "a username or password that cannot be used")})
    @OpenApi(path = "/portal/api/session", methods = HttpMethod.POST, versions = DOCUMENT, tags = "portal",
            summary = "Logs a user in (cookie sipstream_portal) and gives the CSRF token",
            requestBody = @OpenApiRequestBody(required = true, content = @OpenApiContent(mimeType = "application/json", properties = {
                    @OpenApiContentProperty(name = "username", type = "string"), @OpenApiContentProperty(name = "password", type = "string")})),
            responses = {@OpenApiResponse(status = "201", description = "logged in", content = @OpenApiContent(mimeType = "application/json",
                    properties = @OpenApiContentProperty(name = "csrfToken", type = "string"))),
                    @OpenApiResponse(status = "401", description = "wrong username or password"),
                    @OpenApiResponse(status = "403", description = "the account is not enabled"),
                    @OpenApiResponse(status = "429", description = "locked out after too many wrong passwords")})
    @OpenApi(path = "/portal/api/session", methods = HttpMethod.GET, versions = DOCUMENT, tags = "portal", summary = "The session's CSRF token",
            responses = {@OpenApiResponse(status = "200", description = "the token", content = @OpenApiContent(mimeType = "application/json", type = "object")),
                    @OpenApiResponse(status = "401", description = "not logged in")})
    @OpenApi(path = "/portal/api/session", methods = HttpMethod.DELETE, versions = DOCUMENT, tags = "portal", summary = "Logs out (needs X-CSRF-Token)",
            responses = {@OpenApiResponse(status = "204", description = "logged out"), @OpenApiResponse(status = "401", description = "not logged in")})
    @OpenApi(path = "/portal/api/me", methods = HttpMethod.GET, versions = DOCUMENT, tags = "portal", summary = "The user's number, SIP settings and balance",
            responses = {@OpenApiResponse(status = "200", description = "the user", content = @OpenApiContent(mimeType = "application/json", type = "object")),
                    @OpenApiResponse(status = "401", description = "not logged in")})
    @OpenApi(path = "/portal/api/numbers", methods = HttpMethod.GET, versions = DOCUMENT, tags = "portal", summary = "Free numbers of the operator's pool",
            queryParams = @OpenApiParam(name = "q", description = "a prefix or area code"),
            responses = {@OpenApiResponse(status = "200", description = "up to 20 numbers", content = @OpenApiContent(mimeType = "application/json", type = "object")),
                    @OpenApiResponse(status = "401", description = "not logged in")})
    @OpenApi(path = "/portal/api/numbers/{number}", methods = HttpMethod.POST, versions = DOCUMENT, tags = "portal",
            summary = "Takes a number of the pool as the user's number and caller ID (needs X-CSRF-Token)",
            pathParams = @OpenApiParam(name = "number", required = true, description = "an E.164 number of the pool"),
            responses = {@OpenApiResponse(status = "200", description = "taken", content = @OpenApiContent(mimeType = "application/json", type = "object")),
                    @OpenApiResponse(status = "409", description = "no longer free, or the user has a number")})
    @OpenApi(path = "/portal/api/sip-password", methods = HttpMethod.POST, versions = DOCUMENT, tags = "portal",
            summary = "A new random SIP password, shown this once (needs X-CSRF-Token)",
            responses = {@OpenApiResponse(status = "200", description = "the password", content = @OpenApiContent(mimeType = "application/json",
                    properties = @OpenApiContentProperty(name = "password", type = "string"))),
                    @OpenApiResponse(status = "401", description = "not logged in")})
    @OpenApi(path = "/portal/api/calls", methods = HttpMethod.GET, versions = DOCUMENT, tags = "portal", summary = "The user's latest CDRs",
            responses = {@OpenApiResponse(status = "200", description = "the CDRs", content = @OpenApiContent(mimeType = "application/json", type = "object")),
                    @OpenApiResponse(status = "401", description = "not logged in")})
    @OpenApi(path = "/portal/api/webphone", methods = HttpMethod.POST, versions = DOCUMENT, tags = "portal",
            summary = "What the dialpad registers with: the edge's WebSocket URL, the SIP URI, the digest HA1 and realm (needs X-CSRF-Token)",
            responses = {@OpenApiResponse(status = "200", description = "the dialpad's settings (Cache-Control: no-store)",
                    content = @OpenApiContent(mimeType = "application/json", properties = {
                            @OpenApiContentProperty(name = "wsUrl", type = "string"), @OpenApiContentProperty(name = "uri", type = "string"),
                            @OpenApiContentProperty(name = "username", type = "string"), @OpenApiContentProperty(name = "domain", type = "string"),
                            @OpenApiContentProperty(name = "realm", type = "string"), @OpenApiContentProperty(name = "ha1", type = "string")})),
                    @OpenApiResponse(status = "401", description = "not logged in"),
                    @OpenApiResponse(status = "503", description = "this server offers no SIP over WebSocket")})
    private void portal(io.javalin.http.Context ctx) {}
}
