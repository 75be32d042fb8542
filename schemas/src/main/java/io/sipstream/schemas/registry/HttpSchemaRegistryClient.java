package io.sipstream.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A Schema Registry client over the Confluent REST API, with the caches a serde needs: schemas by id
 * never change, and a (subject, schema) pair keeps its id, so each is fetched once per process.
 *
 * <p>Written here because Confluent's own client is not on Maven Central.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistryClient {
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI baseUrl;
    private final String authorization;
    private final HttpClient http;
    private final Duration timeout;
    private final Map<Integer, Schema> byId = new ConcurrentHashMap<>();
    private final Map<String, Map<Schema, Integer>> idBySubject = new ConcurrentHashMap<>();
    private final Map<String, Map<Schema, RegisteredSchema>> lookedUp = new ConcurrentHashMap<>();

    /**
     * @param baseUrl  e.g. http://127.0.0.1:8081
     * @param basicAuthUserInfo "user:password", or null for no authentication
     */
    public HttpSchemaRegistryClient(String baseUrl, String basicAuthUserInfo) {
        this(baseUrl, basicAuthUserInfo, Duration.ofSeconds(10));
    }

    public HttpSchemaRegistryClient(String baseUrl, String basicAuthUserInfo, Duration timeout) {
        String trimmed = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.baseUrl = URI.create(trimmed);
        this.authorization = basicAuthUserInfo == null || basicAuthUserInfo.isBlank() ? null
                : "Basic " + Base64.getEncoder().encodeToString(basicAuthUserInfo.getBytes(StandardCharsets.UTF_8));
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    public String baseUrl() { return baseUrl.toString(); }

    @Override
    public int register(String subject, Schema schema) {
        Integer cached = idBySubject.getOrDefault(subject, Map.of()).get(schema);
        if (cached != null) return cached;
        JsonNode reply = send("POST", "/subjects/" + enc(subject) + "/versions", schemaBody(schema));
        int id = reply.path("id").asInt();
        remember(subject, schema, id);
        return id;
    }

    @Override
    public RegisteredSchema lookup(String subject, Schema schema) {
        // a serializer without auto-registration looks its schema up: like register, once per process
        RegisteredSchema cached = lookedUp.getOrDefault(subject, Map.of()).get(schema);
        if (cached != null) return cached;
        JsonNode reply = send("POST", "/subjects/" + enc(subject), schemaBody(schema));
        RegisteredSchema found = toRegistered(reply, subject);
        remember(subject, schema, found.id());
        lookedUp.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(schema, found);
        return found;
    }

    @Override
    public Schema getById(int id) {
        Schema cached = byId.get(id);
        if (cached != null) return cached;
        JsonNode reply = send("GET", "/schemas/ids/" + id, null);
        Schema schema = parse(reply.path("schema").asText());
        byId.put(id, schema);
        return schema;
    }

    @Override
    public RegisteredSchema getVersion(String subject, int version) {
        return toRegistered(send("GET", "/subjects/" + enc(subject) + "/versions/" + version, null), subject);
    }

    @Override
    public RegisteredSchema getLatest(String subject) {
        return toRegistered(send("GET", "/subjects/" + enc(subject) + "/versions/latest", null), subject);
    }

    @Override
    public List<String> subjects() {
        List<String> out = new ArrayList<>();
        send("GET", "/subjects", null).forEach(n -> out.add(n.asText()));
        return out;
    }

    @Override
    public List<Integer> versions(String subject) {
        List<Integer> out = new ArrayList<>();
        send("GET", "/subjects/" + enc(subject) + "/versions", null).forEach(n -> out.add(n.asInt()));
        return out;
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
        try {
            return send("POST", "/compatibility/subjects/" + enc(subject) + "/versions/latest", schemaBody(schema))
                    .path("is_compatible").asBoolean();
        } catch (SchemaRegistryException.NotFound e) {
            return true; // nothing registered yet: anything is compatible
        }
    }

    @Override
    public String compatibility(String subjectOrNull) {
        // a subject without a level of its own answers 40408 unless asked for the global default
        JsonNode reply = send("GET", configPath(subjectOrNull) + (subjectOrNull == null ? "" : "?defaultToGlobal=true"), null);
        JsonNode level = reply.has("compatibilityLevel") ? reply.get("compatibilityLevel") : reply.path("compatibility");
        return level.asText();
    }

    @Override
    public void setCompatibility(String subjectOrNull, String level) {
        ObjectNode body = JSON.createObjectNode().put("compatibility", level);
        send("PUT", configPath(subjectOrNull), body.toString());
    }

    private static String configPath(String subjectOrNull) {
        return subjectOrNull == null ? "/config" : "/config/" + enc(subjectOrNull);
    }

    private void remember(String subject, Schema schema, int id) {
        idBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(schema, id);
        byId.putIfAbsent(id, schema);
    }

    private RegisteredSchema toRegistered(JsonNode reply, String subject) {
        Schema schema = parse(reply.path("schema").asText());
        int id = reply.path("id").asInt();
        byId.putIfAbsent(id, schema);
        return new RegisteredSchema(reply.path("subject").asText(subject), id, reply.path("version").asInt(), schema);
    }

    private static Schema parse(String text) {
        try {
            return new Schema.Parser().parse(text);
        } catch (RuntimeException e) {
            throw new SchemaRegistryException("registry returned a schema that does not parse: " + e.getMessage(), e);
        }
    }

    private static String schemaBody(Schema schema) {
        return JSON.createObjectNode().put("schemaType", "AVRO").put("schema", schema.toString()).toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode send(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(timeout)
                .header("Accept", CONTENT_TYPE + ", application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (body != null) request.header("Content-Type", CONTENT_TYPE);
        if (authorization != null) request.header("Authorization", authorization);
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SchemaRegistryException("schema registry " + baseUrl + " unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("interrupted calling schema registry " + baseUrl, e);
        }
        JsonNode json = readJson(response.body());
        if (response.statusCode() / 100 != 2) {
            int code = json.path("error_code").asInt(response.statusCode());
            String message = json.path("message").asText(response.body());
            throw SchemaRegistryException.of(response.statusCode(), code, method + " " + path + ": " + message);
        }
        return json;
    }

    private static JsonNode readJson(String body) {
        if (body == null || body.isBlank()) return JSON.createObjectNode();
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode().put("message", body);
        }
    }
}
