package io.sipstream.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;

/** What every test of an admin server's /v1/openapi.json asks of it: complete, and valid OpenAPI 3. */
public final class OpenApiAssertions {

    /**
     * Every route {@code admin} answers (as Javalin registered it) is in {@code json}, the document it served,
     * and the document parses as OpenAPI 3 with no message at all: no error, no unknown or misplaced member.
     */
    public static void assertCompleteAndValid(AdminServer admin, String json) {
        assertThat(admin.undocumentedRoutes()).as("routes missing from /v1/openapi.json (add an @OpenApi)").isEmpty();
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult parsed = new OpenAPIParser().readContents(json, null, options);
        assertThat(parsed.getMessages()).as("swagger-parser's messages").isEmpty();
        assertThat(parsed.getOpenAPI()).isNotNull();
        assertThat(parsed.getOpenAPI().getOpenapi()).startsWith("3.");
    }

    private OpenApiAssertions() {}
}
