package io.sipstream.localstack;

import static io.sipstream.localstack.RegistryHttp.schemaBody;
import static io.sipstream.localstack.Schemas.CALL_V1;
import static io.sipstream.localstack.Schemas.CALL_V2_WITHOUT_DEFAULT;
import static io.sipstream.localstack.Schemas.CALL_V2_WITH_DEFAULT;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.localstack.RegistryHttp.Reply;
import org.apache.avro.Schema;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The registry against Confluent's documented answers. Every test uses its own subject: the stack,
 * and so the registry's state, is shared by all tests of the JVM.
 */
@ExtendWith(LocalStackExtension.class)
class SchemaRegistryServerTest {
    private RegistryHttp registry;

    @BeforeEach
    void connect(LocalStack stack) {
        registry = new RegistryHttp(stack.schemaRegistryUrl());
    }

    @Test
    void shouldGiveTheSameSchemaTheSameIdAndServeItBack() {
        Reply first = registry.post("/subjects/reg-same-value/versions", schemaBody(CALL_V1));
        Reply again = registry.post("/subjects/reg-same-value/versions", schemaBody(CALL_V1));
        Reply otherSubject = registry.post("/subjects/reg-same-other-value/versions", schemaBody(CALL_V1));

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.contentType()).startsWith(SchemaRegistryServer.CONTENT_TYPE);
        int id = first.json().get("id").asInt();
        assertThat(again.json().get("id").asInt()).isEqualTo(id);
        assertThat(otherSubject.json().get("id").asInt()).as("ids are global, by schema").isEqualTo(id);
        assertThat(registry.get("/subjects/reg-same-value/versions").json().toString()).isEqualTo("[1]");

        Schema served = new Schema.Parser().parse(registry.get("/schemas/ids/" + id).json().get("schema").asText());
        assertThat(served).isEqualTo(new Schema.Parser().parse(CALL_V1));
        assertThat(new Schema.Parser().parse(registry.get("/schemas/ids/" + id + "/schema").body())).isEqualTo(served);
    }

    @Test
    void shouldAnswerVersionsLookupsAndSubjects() {
        int v1 = registry.post("/subjects/reg-versions-value/versions", schemaBody(CALL_V1)).json().get("id").asInt();
        int v2 = registry.post("/subjects/reg-versions-value/versions", schemaBody(CALL_V2_WITH_DEFAULT)).json().get("id").asInt();

        assertThat(v2).isNotEqualTo(v1);
        assertThat(registry.get("/subjects/reg-versions-value/versions").json().toString()).isEqualTo("[1,2]");
        Reply latest = registry.get("/subjects/reg-versions-value/versions/latest");
        assertThat(latest.json().get("subject").asText()).isEqualTo("reg-versions-value");
        assertThat(latest.json().get("version").asInt()).isEqualTo(2);
        assertThat(latest.json().get("id").asInt()).isEqualTo(v2);
        assertThat(registry.get("/subjects/reg-versions-value/versions/1").json().get("id").asInt()).isEqualTo(v1);
        assertThat(registry.get("/subjects/reg-versions-value/versions/-1").json().get("version").asInt()).isEqualTo(2);
        assertThat(new Schema.Parser().parse(registry.get("/subjects/reg-versions-value/versions/1/schema").body()))
                .isEqualTo(new Schema.Parser().parse(CALL_V1));

        Reply lookup = registry.post("/subjects/reg-versions-value", schemaBody(CALL_V1));
        assertThat(lookup.status()).isEqualTo(200);
        assertThat(lookup.json().get("version").asInt()).isEqualTo(1);
        assertThat(lookup.json().get("id").asInt()).isEqualTo(v1);

        assertThat(registry.get("/subjects").json()).extracting(n -> n.asText()).contains("reg-versions-value");
        assertThat(registry.get("/").status()).isEqualTo(200);
    }

    @Test
    void shouldAnswerCompatibilityChecksUnderTheSubjectsLevel() {
        registry.post("/subjects/reg-compat-value/versions", schemaBody(CALL_V1));

        assertThat(registry.post("/compatibility/subjects/reg-compat-value/versions/latest", schemaBody(CALL_V2_WITH_DEFAULT))
                .json().get("is_compatible").asBoolean()).isTrue();
        Reply incompatible = registry.post("/compatibility/subjects/reg-compat-value/versions/1?verbose=true",
                schemaBody(CALL_V2_WITHOUT_DEFAULT));
        assertThat(incompatible.json().get("is_compatible").asBoolean()).isFalse();
        assertThat(incompatible.json().get("messages").toString()).contains("READER_FIELD_MISSING_DEFAULT_VALUE");

        // FORWARD: old readers must read new data; a new field without a default is fine for them
        assertThat(registry.put("/config/reg-compat-value", "{\"compatibility\":\"forward\"}").json()
                .get("compatibility").asText()).isEqualTo("FORWARD");
        assertThat(registry.post("/compatibility/subjects/reg-compat-value/versions/latest", schemaBody(CALL_V2_WITHOUT_DEFAULT))
                .json().get("is_compatible").asBoolean()).isTrue();
        assertThat(registry.get("/config/reg-compat-value").json().get("compatibilityLevel").asText()).isEqualTo("FORWARD");
        assertThat(registry.get("/config").json().get("compatibilityLevel").asText()).isEqualTo("BACKWARD");
    }

    @Test
    void shouldDecodeUrlEncodedSubjectNames() {
        registry.post("/subjects/reg%20odd%3Aname.value/versions", schemaBody(CALL_V1));

        assertThat(registry.get("/subjects").json()).extracting(n -> n.asText()).contains("reg odd:name.value");
        assertThat(registry.get("/subjects/reg%20odd%3Aname.value/versions/1").json().get("subject").asText())
                .isEqualTo("reg odd:name.value");
    }

    @Test
    void shouldSoftDeleteASubject() {
        int id = registry.post("/subjects/reg-delete-value/versions", schemaBody(CALL_V1)).json().get("id").asInt();

        Reply deleted = registry.delete("/subjects/reg-delete-value");

        assertThat(deleted.json().toString()).isEqualTo("[1]");
        assertThat(registry.get("/subjects").json()).extracting(n -> n.asText()).doesNotContain("reg-delete-value");
        assertThat(registry.get("/subjects/reg-delete-value/versions").errorCode()).isEqualTo(40401);
        assertThat(registry.get("/subjects/reg-delete-value/versions?deleted=true").json().toString()).isEqualTo("[1]");
        assertThat(registry.get("/schemas/ids/" + id).status()).as("old records still carry the id").isEqualTo(200);
        assertThat(registry.delete("/subjects/reg-delete-value").errorCode()).isEqualTo(40404);
    }

    // ---- Confluent's error codes ---------------------------------------------------------------

    @Test
    void shouldAnswer40401ForAnUnknownSubject() {
        assertError(registry.get("/subjects/reg-no-such-subject/versions"), 404, 40401);
        assertError(registry.get("/subjects/reg-no-such-subject/versions/latest"), 404, 40401);
        assertError(registry.post("/subjects/reg-no-such-subject", schemaBody(CALL_V1)), 404, 40401);
        assertError(registry.delete("/subjects/reg-no-such-subject"), 404, 40401);
    }

    @Test
    void shouldAnswer40402ForAnUnknownVersion() {
        registry.post("/subjects/reg-version-value/versions", schemaBody(CALL_V1));
        assertError(registry.get("/subjects/reg-version-value/versions/7"), 404, 40402);
    }

    @Test
    void shouldAnswer40403ForAnUnknownSchemaId() {
        assertError(registry.get("/schemas/ids/987654"), 404, 40403);
        registry.post("/subjects/reg-lookup-value/versions", schemaBody(CALL_V1));
        assertError(registry.post("/subjects/reg-lookup-value", schemaBody(CALL_V2_WITH_DEFAULT)), 404, 40403);
    }

    @Test
    void shouldAnswer409ForAnIncompatibleSchemaUnderBackward() {
        registry.post("/subjects/reg-incompatible-value/versions", schemaBody(CALL_V1));

        Reply refused = registry.post("/subjects/reg-incompatible-value/versions", schemaBody(CALL_V2_WITHOUT_DEFAULT));

        assertError(refused, 409, 409);
        assertThat(refused.json().get("message").asText()).contains("incompatible", "trunk");
        assertThat(registry.get("/subjects/reg-incompatible-value/versions").json().toString()).isEqualTo("[1]");
    }

    @Test
    void shouldAnswer42201ForAnUnparsableSchema() {
        assertError(registry.post("/subjects/reg-invalid-value/versions", schemaBody("{\"type\":\"record\",\"name\":")), 422, 42201);
        assertError(registry.post("/subjects/reg-invalid-value/versions", schemaBody("{\"type\":\"no-such-type\"}")), 422, 42201);
        assertError(registry.post("/subjects/reg-invalid-value/versions", "{\"schemaType\":\"PROTOBUF\",\"schema\":\"x\"}"), 422, 42201);
    }

    @Test
    void shouldAnswer42202ForABadVersion() {
        registry.post("/subjects/reg-bad-version-value/versions", schemaBody(CALL_V1));
        assertError(registry.get("/subjects/reg-bad-version-value/versions/abc"), 422, 42202);
        assertError(registry.get("/subjects/reg-bad-version-value/versions/0"), 422, 42202);
    }

    @Test
    void shouldAnswer42203ForABadCompatibilityLevel() {
        assertError(registry.put("/config", "{\"compatibility\":\"SIDEWAYS\"}"), 422, 42203);
        assertError(registry.put("/config/reg-level-value", "{\"compatibility\":\"SIDEWAYS\"}"), 422, 42203);
        assertThat(registry.get("/config").json().get("compatibilityLevel").asText()).isEqualTo("BACKWARD");
    }

    @Test
    void shouldAnswerUnknownPathsInConfluentsErrorShape() {
        assertError(registry.get("/no/such/endpoint"), 404, 404);
    }

    @Test
    void shouldRequireBasicAuthWhenConfigured(LocalStack stack) {
        try (SchemaRegistryServer guarded = SchemaRegistryServer.start(stack.bootstrapServers(), "_schemas_auth_test",
                0, "analyst:s3cret")) {
            assertError(new RegistryHttp(guarded.url()).get("/subjects"), 401, 401);
            assertError(new RegistryHttp(guarded.url(), "analyst:wrong").get("/subjects"), 401, 401);
            assertThat(new RegistryHttp(guarded.url(), "analyst:s3cret").get("/subjects").status()).isEqualTo(200);
        }
    }

    private static void assertError(Reply reply, int status, int errorCode) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertThat(reply.errorCode()).as(reply.body()).isEqualTo(errorCode);
        assertThat(reply.json().path("message").asText()).isNotBlank();
    }
}
