package io.sipstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipstream.edge.support.TestUserAgent;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.platform.config.Settings;
import io.sipstream.platform.http.OpenApiAssertions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * /v1/openapi.json of the whole stack on one admin server, as {@code sipstream local} runs it: every route
 * the registry, billing, the edge and the server itself mount is in it, and it is valid OpenAPI 3.
 */
@ExtendWith(LocalStackExtension.class)
class AdminApiDocumentTest {
    private static final String KEY = "api-document-test-key-0123";

    @Test
    void shouldDocumentEveryRouteOfEveryServiceOnTheServer(LocalStack stack) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Path dir = Files.createTempDirectory("api-document-test");
        Map<String, String> v = StackSettings.base(stack, "doc-" + run, KEY, TestUserAgent.freeUdpPort(), "sipstream.local", dir);
        v.put("router.application.id", "doc-router-" + run);
        v.put("billing.application.id", "doc-billing-" + run);
        try (AllInOne all = AllInOne.start(Settings.of(v))) {
            AdminApiClient api = new AdminApiClient("http://127.0.0.1:" + all.httpPort(), KEY);
            await("/healthz").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> api.status("/healthz") == 200);

            assertThat(api.status("/v1/openapi.json")).as("behind the API key").isEqualTo(401);
            JsonNode doc = api.get("/v1/openapi.json");
            OpenApiAssertions.assertCompleteAndValid(all.context().admin(), doc.toString());

            // one route of each part, and what the issue asks the document to say
            JsonNode paths = doc.path("paths");
            assertThat(paths.has("/v1/trunks/{id}") && paths.has("/v1/accounts/{id}/credits") && paths.has("/v1/calls/{id}")
                    && paths.has("/readyz")).isTrue();
            assertThat(paths.at("/~1v1~1accounts/get/parameters").findValuesAsText("name")).contains("limit", "cursor", "q");
            assertThat(paths.at("/~1v1~1accounts~1{id}~1credits/post/parameters").findValuesAsText("name")).contains("Idempotency-Key");
            assertThat(paths.at("/~1v1~1trunks~1{id}/put/requestBody/content/application~1json/schema/$ref").asText())
                    .isEqualTo("#/components/schemas/TrunkDoc");
            assertThat(paths.at("/~1v1~1trunks~1{id}/put/responses/412/content").has("application/problem+json")).isTrue();
            assertThat(paths.at("/~1v1~1ratedecks~1{id}/put/requestBody/content").has("text/csv")).isTrue();
        }
    }
}
