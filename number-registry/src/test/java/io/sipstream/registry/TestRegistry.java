package io.sipstream.registry;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipstream.platform.ServiceContext;
import io.sipstream.platform.config.Settings;
import io.sipstream.platform.http.Json;
import io.sipstream.registry.publish.TopicSnapshot;
import io.sipstream.schemas.Topic;
import io.sipstream.schemas.serde.SerdeConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.CommonClientConfigs;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.UnifiedJedis;

/** A registry service of a test: its own ServiceContext on a free port, called over java.net.http. */
public final class TestRegistry implements AutoCloseable {
    public static final String API_KEY = "registry-test-api-key-0123";
    public static final String SECRETS_KEY = "registry-test-secrets-key-0123";

    public final ServiceContext ctx;
    public final RegistryService service;
    public final RegistryConfig config;
    public final UnifiedJedis redis;
    public final String bootstrap;
    public final String registryUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    private TestRegistry(Map<String, String> settings) {
        Settings s = Settings.of(settings);
        this.ctx = ServiceContext.create(s);
        this.config = RegistryConfig.from(s);
        this.service = RegistryService.start(config, ctx);
        ctx.admin().start();
        this.base = "http://127.0.0.1:" + ctx.admin().port();
        this.redis = new JedisPooled(URI.create(settings.get("redis.url")));
        this.bootstrap = settings.get("kafka.bootstrap");
        this.registryUrl = settings.get("schema.registry.url");
    }

    public static Map<String, String> settings(String bootstrap, String schemaRegistryUrl, String redisUrl, String prefix) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("http.host", "127.0.0.1");
        m.put("http.port", "0");
        m.put("api.key", API_KEY);
        m.put("kafka.bootstrap", bootstrap);
        m.put("schema.registry.url", schemaRegistryUrl);
        m.put("redis.url", redisUrl);
        m.put("redis.prefix", prefix);
        m.put("secrets.key", SECRETS_KEY);
        m.put("sip.domain", "test.sipstream");
        m.put("sip.advertised.host", "sip.test.example");
        m.put("sip.port", "5070");
        m.put("registry.publish.retry.max", "1s");
        return m;
    }

    public static TestRegistry start(Map<String, String> settings) { return new TestRegistry(settings); }

    public String key(String suffix) { return config.redis().prefix() + suffix; }

    public HttpResponse<String> call(String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        boolean auth = true;
        for (int i = 0; i < headers.length; i += 2) {
            if (headers[i].equals("Authorization")) auth = false;
            if (headers[i + 1] != null) b.header(headers[i], headers[i + 1]);
            else if (headers[i].equals("Authorization")) auth = false;
        }
        if (auth) b.header("Authorization", "Bearer " + API_KEY);
        if (body != null) b.header("Content-Type", "application/json");
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<String> put(String path, String body, String... headers) { return call("PUT", path, body, headers); }

    public HttpResponse<String> get(String path, String... headers) { return call("GET", path, null, headers); }

    public HttpResponse<String> delete(String path, String... headers) { return call("DELETE", path, null, headers); }

    public static JsonNode json(HttpResponse<String> response) {
        try {
            return Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + response.body(), e);
        }
    }

    /** The latest value of every live key of a registry topic, read from this registry's Kafka. */
    public <V extends SpecificRecord> Map<String, V> topic(Topic<V> topic) {
        Map<String, Object> props = new HashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        var deserializer = topic.valueSerde(new SerdeConfig(registryUrl, null, true)).deserializer();
        Map<String, V> out = new HashMap<>();
        TopicSnapshot.read(props, topic.name(), Duration.ofSeconds(20)).forEach((k, v) -> out.put(k, deserializer.deserialize(topic.name(), v)));
        return out;
    }

    /** Raw bytes of every record ever on a topic (tombstones included as empty), for secret scans. */
    public Map<String, byte[]> rawTopic(String topic) {
        Map<String, Object> props = new HashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return TopicSnapshot.read(props, topic, Duration.ofSeconds(20));
    }

    @Override
    public void close() {
        service.close();
        ctx.admin().close();
        redis.close();
    }
}
