package io.sipstream.platform.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.openapi.OpenApiLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The OpenAPI 3 document of one admin server, {@code GET /v1/openapi.json}. javalin-openapi's annotation
 * processor writes each module's {@code @OpenApi} routes as one part ({@code openapi-plugin/openapi-<part>.json},
 * the annotations' {@code versions}); the server's document is the parts of the services mounted on it, merged.
 * The plugin's own handler serves one part found on the class path (the first {@code .index}), which is one
 * module's of the many in {@code sipstream local}: hence this merge.
 *
 * <p>What every route of the server shares is added here once rather than on each annotation: the API key
 * (a bearer token) on every path but the open ones, its 401 and 403, a 413 wherever a body is taken, and
 * {@value Problem#CONTENT_TYPE} as the content of every error status an annotation names.
 */
final class ApiDocument {
    static final String SECURITY_SCHEME = "apiKey";
    private static final String PROBLEM_REF = "#/components/schemas/Problem";
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");

    private ApiDocument() {}

    /** The merged document of {@code parts}; {@code openPaths} need no API key. */
    static ObjectNode of(List<String> parts, java.util.function.Predicate<String> openPaths) {
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.put("openapi", "3.0.3");
        ObjectNode info = doc.putObject("info");
        info.put("title", "sipstream admin API");
        info.put("version", "v1");
        info.put("description", "The REST API of a sipstream process: the routes of the services it runs, the probes and "
                + "/metrics. Every path but the probes and /metrics needs Authorization: Bearer <api key>; every error is "
                + "RFC 9457 problem details (application/problem+json). docs/api.md says more.");
        ObjectNode paths = doc.putObject("paths");
        ObjectNode components = doc.putObject("components");
        ObjectNode schemas = components.putObject("schemas");
        ObjectNode bearer = components.putObject("securitySchemes").putObject(SECURITY_SCHEME);
        bearer.put("type", "http");
        bearer.put("scheme", "bearer");
        bearer.put("description", "the API key (api.key; sipstream local keeps a generated one in DATA_DIR/api.key)");
        doc.putArray("security").addObject().putArray(SECURITY_SCHEME);

        for (String part : parts) {
            JsonNode generated = load(part);
            generated.path("paths").properties().forEach(path -> {
                ObjectNode merged = paths.has(path.getKey()) ? (ObjectNode) paths.get(path.getKey()) : paths.putObject(path.getKey());
                path.getValue().properties().forEach(op -> {
                    if (merged.has(op.getKey())) {
                        throw new IllegalStateException(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey()
                                + " is documented twice (part " + part + ")");
                    }
                    merged.set(op.getKey(), op.getValue());
                });
            });
            generated.path("components").path("schemas").properties().forEach(s -> {
                JsonNode before = schemas.get(s.getKey());
                if (before != null && !before.equals(s.getValue())) {
                    throw new IllegalStateException("two schemas named " + s.getKey() + " (part " + part + "): rename one (@OpenApiName)");
                }
                schemas.set(s.getKey(), s.getValue());
            });
        }
        paths.properties().forEach(path -> path.getValue().properties().forEach(op -> {
            if (METHODS.contains(op.getKey())) complete((ObjectNode) op.getValue(), openPaths.test(path.getKey()));
        }));
        return doc;
    }

    /** The routes ({@code GET /v1/x}) of {@code routes} that {@code doc} does not describe. */
    static List<String> undocumented(JsonNode doc, Iterable<Map.Entry<String, String>> routes) {
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, String> route : routes) {
            if (!doc.path("paths").path(route.getValue()).has(route.getKey().toLowerCase(Locale.ROOT))) {
                missing.add(route.getKey().toUpperCase(Locale.ROOT) + " " + route.getValue());
            }
        }
        return missing;
    }

    private static void complete(ObjectNode op, boolean open) {
        ObjectNode responses = op.has("responses") ? (ObjectNode) op.get("responses") : op.putObject("responses");
        // the processor writes "security": [] (none) on every operation: only the open paths have none
        if (open) {
            op.putArray("security");
        } else {
            op.remove("security");
            error(responses, "401", "no API key: send Authorization: Bearer <api key>");
            error(responses, "403", "wrong API key");
        }
        if (op.has("requestBody")) error(responses, "413", "request body over the route's limit (docs/api.md)");
        if (op.has("tags") && op.get("tags").isEmpty()) op.remove("tags");
        for (Iterator<Map.Entry<String, JsonNode>> it = responses.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> response = it.next();
            if (response.getKey().matches("[45]\\d\\d") && !response.getValue().has("content")) {
                ((ObjectNode) response.getValue()).putObject("content").putObject(Problem.CONTENT_TYPE)
                        .putObject("schema").put("$ref", PROBLEM_REF);
            }
        }
    }

    private static void error(ObjectNode responses, String status, String description) {
        if (!responses.has(status)) responses.putObject(status).put("description", description);
    }

    private static JsonNode load(String part) {
        String json = new OpenApiLoader().loadVersion(part);
        if (json == null) throw new IllegalStateException("no OpenAPI part '" + part + "' on the class path "
                + "(openapi-plugin/openapi-" + part + ".json, written by javalin-openapi's annotation processor)");
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("OpenAPI part " + part + " is not JSON", e);
        }
    }

    /** The document as the route sends it. */
    static String text(ObjectNode doc) {
        try {
            return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(doc);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
