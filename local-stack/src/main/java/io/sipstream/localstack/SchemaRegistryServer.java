package io.sipstream.localstack;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.router.JavalinDefaultRouting;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Schema Registry speaking the part of Confluent's REST API that serdes and an analyst's tools
 * use, with Confluent's JSON shapes, status codes and error codes, over a {@link SchemaStore}.
 * Avro only: a request for another schema type is refused as an invalid schema.
 */
public final class SchemaRegistryServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SchemaRegistryServer.class);
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Javalin app;
    private final SchemaStore store;

    private SchemaRegistryServer(Javalin app, SchemaStore store) {
        this.app = app;
        this.store = store;
    }

    /**
     * Opens the store on {@code topic} of the broker and serves it on 127.0.0.1.
     *
     * @param port              0 for a free port
     * @param basicAuthUserInfo "user:password" to require HTTP basic auth, or null for none
     */
    public static SchemaRegistryServer start(String bootstrapServers, String topic, int port, String basicAuthUserInfo) {
        SchemaStore store = SchemaStore.open(bootstrapServers, topic);
        try {
            Routes routes = new Routes(store);
            Javalin app = Javalin.create(config -> {
                config.showJavalinBanner = false;
                config.startupWatcherEnabled = false;
                config.http.defaultContentType = CONTENT_TYPE;
                config.router.ignoreTrailingSlashes = true;
                config.router.mount(router -> {
                    if (basicAuthUserInfo != null) requireBasicAuth(router, basicAuthUserInfo);
                    routes.mount(router);
                });
            });
            app.start(Ports.LOOPBACK, port);
            return new SchemaRegistryServer(app, store);
        } catch (RuntimeException e) {
            store.close();
            throw new IllegalStateException("schema registry did not start on " + Ports.LOOPBACK + ":" + port
                    + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return app.port();
    }

    public String url() {
        return "http://" + Ports.LOOPBACK + ":" + port();
    }

    @Override
    public void close() {
        try {
            app.stop();
        } finally {
            store.close();
        }
    }

    private static void requireBasicAuth(JavalinDefaultRouting router, String userInfo) {
        byte[] expected = ("Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8)))
                .getBytes(StandardCharsets.UTF_8);
        router.addHttpHandler(HandlerType.BEFORE, "/*", ctx -> {
            String given = ctx.header("Authorization");
            // constant-time: the comparison must not leak how much of a guess was right
            if (given == null || !MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
                ctx.header("WWW-Authenticate", "Basic realm=\"schema-registry\"");
                throw new RegistryException(401, 401, "Unauthorized");
            }
        });
    }

    /** The endpoints, each a few lines over the store. */
    private static final class Routes {
        private final SchemaStore store;

        Routes(SchemaStore store) {
            this.store = store;
        }

        void mount(JavalinDefaultRouting r) {
            r.get("/", ctx -> reply(ctx, 200, JSON.createObjectNode()));
            r.get("/schemas/types", ctx -> reply(ctx, 200, JSON.createArrayNode().add("AVRO")));

            r.get("/schemas/ids/{id}", ctx -> reply(ctx, 200,
                    JSON.createObjectNode().put("schema", store.schemaById(schemaId(ctx)))));
            r.get("/schemas/ids/{id}/schema", ctx -> replyRaw(ctx, store.schemaById(schemaId(ctx))));
            r.get("/schemas/ids/{id}/versions", ctx -> {
                ArrayNode usages = JSON.createArrayNode();
                store.usagesOf(schemaId(ctx)).forEach(v ->
                        usages.addObject().put("subject", v.subject()).put("version", v.version()));
                reply(ctx, 200, usages);
            });

            r.get("/subjects", ctx -> reply(ctx, 200, JSON.valueToTree(store.subjects(deleted(ctx)))));
            r.post("/subjects/{subject}", ctx -> {
                String subject = ctx.pathParam("subject");
                SchemaStore.SchemaVersion found = store.lookup(subject, schemaOf(ctx), deleted(ctx));
                reply(ctx, 200, versionJson(found));
            });
            r.delete("/subjects/{subject}", ctx -> {
                if (Boolean.parseBoolean(ctx.queryParam("permanent"))) {
                    throw new RegistryException(422, 422, "permanent delete is not supported: this registry only"
                            + " soft-deletes, so that a schema id is never given to another schema");
                }
                reply(ctx, 200, JSON.valueToTree(store.deleteSubject(ctx.pathParam("subject"))));
            });
            r.get("/subjects/{subject}/versions", ctx ->
                    reply(ctx, 200, JSON.valueToTree(store.versions(ctx.pathParam("subject"), deleted(ctx)))));
            r.post("/subjects/{subject}/versions", ctx -> {
                int id = store.register(ctx.pathParam("subject"), schemaOf(ctx));
                reply(ctx, 200, JSON.createObjectNode().put("id", id));
            });
            r.get("/subjects/{subject}/versions/{version}", ctx -> reply(ctx, 200, versionJson(
                    store.version(ctx.pathParam("subject"), version(ctx), deleted(ctx)))));
            r.get("/subjects/{subject}/versions/{version}/schema", ctx -> replyRaw(ctx,
                    store.version(ctx.pathParam("subject"), version(ctx), deleted(ctx)).schema()));

            r.post("/compatibility/subjects/{subject}/versions/{version}", ctx -> {
                String subject = ctx.pathParam("subject");
                int version = version(ctx);
                Schema candidate = schemaOf(ctx);
                SchemaStore.SchemaVersion earlier = store.version(subject, version, false);
                List<String> problems = store.effectiveLevel(subject).problemsAgainst(candidate,
                        new CompatibilityLevel.Versioned(earlier.version(), parse(earlier.schema())));
                reply(ctx, 200, compatibilityJson(ctx, problems));
            });
            // without a version: against every version the subject's level covers
            r.post("/compatibility/subjects/{subject}/versions", ctx -> {
                Schema candidate = schemaOf(ctx);
                reply(ctx, 200, compatibilityJson(ctx, store.problems(ctx.pathParam("subject"), candidate)));
            });

            r.get("/config", ctx -> reply(ctx, 200, levelJson("compatibilityLevel", store.globalLevel())));
            r.put("/config", ctx -> {
                CompatibilityLevel level = levelOf(ctx);
                store.setLevel(null, level);
                reply(ctx, 200, levelJson("compatibility", level));
            });
            r.get("/config/{subject}", ctx -> {
                String subject = ctx.pathParam("subject");
                CompatibilityLevel level = store.subjectLevel(subject).orElseGet(() -> {
                    if (Boolean.parseBoolean(ctx.queryParam("defaultToGlobal"))) return store.globalLevel();
                    throw new RegistryException(404, RegistryException.SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED,
                            "Subject '" + subject + "' does not have subject-level compatibility configured");
                });
                reply(ctx, 200, levelJson("compatibilityLevel", level));
            });
            r.put("/config/{subject}", ctx -> {
                CompatibilityLevel level = levelOf(ctx);
                store.setLevel(ctx.pathParam("subject"), level);
                reply(ctx, 200, levelJson("compatibility", level));
            });
            r.delete("/config/{subject}", ctx -> reply(ctx, 200,
                    levelJson("compatibilityLevel", store.deleteSubjectLevel(ctx.pathParam("subject")))));

            r.exception(RegistryException.class, (e, ctx) -> {
                if (e.status() >= 500) log.warn("schema registry {} {}: {}", ctx.method(), ctx.path(), e.getMessage(), e);
                error(ctx, e.status(), e.errorCode(), e.getMessage());
            });
            // Javalin's own answers (no such endpoint, wrong method) in Confluent's error shape
            r.exception(HttpResponseException.class, (e, ctx) ->
                    error(ctx, e.getStatus(), e.getStatus(), "HTTP " + e.getStatus() + " " + e.getMessage()));
            r.exception(Exception.class, (e, ctx) -> {
                log.error("schema registry {} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, 500, 500, "Internal error: " + e);
            });
        }

        private static JsonNode body(Context ctx) {
            String text = ctx.body();
            if (text.isBlank()) throw new RegistryException(400, 400, "request body is empty");
            try {
                return JSON.readTree(text);
            } catch (JsonProcessingException e) {
                throw new RegistryException(400, 400, "request body is not JSON: " + e.getOriginalMessage());
            }
        }

        /** The Avro schema of a register / lookup / compatibility request body. */
        private static Schema schemaOf(Context ctx) {
            JsonNode body = body(ctx);
            String type = body.path("schemaType").asText("AVRO");
            if (!"AVRO".equalsIgnoreCase(type)) {
                throw RegistryException.invalidSchema("schemaType " + type + " is not supported, only AVRO");
            }
            if (body.path("references").isArray() && !body.path("references").isEmpty()) {
                throw RegistryException.invalidSchema("schema references are not supported: send the schema with"
                        + " its named types inlined (as Schema.toString() does)");
            }
            JsonNode schema = body.get("schema");
            if (schema == null || !schema.isTextual() || schema.asText().isBlank()) {
                throw RegistryException.invalidSchema("the body has no \"schema\" string");
            }
            return parse(schema.asText());
        }

        private static Schema parse(String text) {
            try {
                return new Schema.Parser().parse(text);
            } catch (SchemaParseException e) {
                throw RegistryException.invalidSchema(e.getMessage());
            } catch (RuntimeException e) { // Avro reports some malformed JSON as other runtime exceptions
                throw RegistryException.invalidSchema(e.toString());
            }
        }

        private static CompatibilityLevel levelOf(Context ctx) {
            JsonNode given = body(ctx).get("compatibility");
            String text = given == null || given.isNull() ? null : given.asText();
            return CompatibilityLevel.parse(text)
                    .orElseThrow(() -> RegistryException.invalidCompatibilityLevel(String.valueOf(text)));
        }

        /** A version path segment: 1..2^31-1, "latest" or -1 (both mean the latest). */
        private static int version(Context ctx) {
            String text = ctx.pathParam("version");
            if ("latest".equalsIgnoreCase(text)) return -1;
            try {
                int version = Integer.parseInt(text);
                if (version >= 1 || version == -1) return version;
            } catch (NumberFormatException e) {
                // answered below
            }
            throw RegistryException.invalidVersion(text);
        }

        private static int schemaId(Context ctx) {
            String text = ctx.pathParam("id");
            try {
                return Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw RegistryException.schemaNotFound("Schema " + text);
            }
        }

        private static boolean deleted(Context ctx) {
            return Boolean.parseBoolean(ctx.queryParam("deleted"));
        }

        private static ObjectNode versionJson(SchemaStore.SchemaVersion v) {
            ObjectNode json = JSON.createObjectNode();
            json.put("subject", v.subject()).put("version", v.version()).put("id", v.id()).put("schema", v.schema());
            return json;
        }

        private static ObjectNode levelJson(String field, CompatibilityLevel level) {
            return JSON.createObjectNode().put(field, level.name());
        }

        private static ObjectNode compatibilityJson(Context ctx, List<String> problems) {
            ObjectNode json = JSON.createObjectNode().put("is_compatible", problems.isEmpty());
            if (Boolean.parseBoolean(ctx.queryParam("verbose"))) json.set("messages", JSON.valueToTree(problems));
            return json;
        }

        private static void reply(Context ctx, int status, JsonNode body) {
            ctx.status(status).contentType(CONTENT_TYPE).result(body.toString());
        }

        /** The .../schema endpoints answer the schema itself, not wrapped in an object. */
        private static void replyRaw(Context ctx, String schema) {
            ctx.status(200).contentType(CONTENT_TYPE).result(schema);
        }

        private static void error(Context ctx, int status, int errorCode, String message) {
            reply(ctx, status, JSON.createObjectNode().put("error_code", errorCode).put("message", message));
        }
    }
}
