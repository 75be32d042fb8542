package io.sipstream.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.platform.http.OpenApiAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The registry's server documents every route it answers at /v1/openapi.json, in valid OpenAPI 3. */
@ExtendWith(LocalStackExtension.class)
class RegistryApiDocumentTest {

    @Test
    void shouldDocumentEveryRouteOfTheRegistryServer() {
        TestRegistry r = SharedRegistry.get();
        var doc = r.get("/v1/openapi.json");
        assertThat(doc.statusCode()).isEqualTo(200);
        OpenApiAssertions.assertCompleteAndValid(r.ctx.admin(), doc.body());
        var writes = TestRegistry.json(doc).at("/paths/~1v1~1trunks~1{id}/put/parameters").findValuesAsText("name");
        assertThat(writes).contains("id", "Idempotency-Key", "If-Match", "If-None-Match");
        assertThat(TestRegistry.json(r.get("/v1/openapi.json", "Authorization", "Bearer not-the-key-0123456789")).get("status").asInt())
                .isEqualTo(403);
    }
}
