package io.sipstream.schemas.serde;

import io.sipstream.schemas.registry.HttpSchemaRegistryClient;
import io.sipstream.schemas.registry.InMemorySchemaRegistryClient;
import io.sipstream.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The serde settings, under Confluent's names so that a properties file written for Confluent's
 * serdes works unchanged.
 */
public record SerdeConfig(String registryUrl, String basicAuthUserInfo, boolean autoRegister) {
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";

    // One client (and so one id cache) per registry, shared by every serde of the process.
    private static final Map<SerdeConfig, SchemaRegistryClient> CLIENTS = new ConcurrentHashMap<>();
    private static final Map<String, SchemaRegistryClient> MEMORY = new ConcurrentHashMap<>();
    public static final String MEMORY_SCHEME = "mem://";

    public SerdeConfig {
        if (registryUrl == null || registryUrl.isBlank()) {
            throw new IllegalArgumentException(SCHEMA_REGISTRY_URL + " is required (e.g. http://127.0.0.1:8081)");
        }
    }

    public static SerdeConfig from(Map<String, ?> configs) {
        Object url = configs.get(SCHEMA_REGISTRY_URL);
        Object auth = configs.get(BASIC_AUTH_USER_INFO);
        Object auto = configs.get(AUTO_REGISTER_SCHEMAS);
        return new SerdeConfig(url == null ? null : url.toString(), auth == null ? null : auth.toString(),
                auto == null || Boolean.parseBoolean(auto.toString()));
    }

    public Map<String, Object> asMap() {
        return basicAuthUserInfo == null
                ? Map.of(SCHEMA_REGISTRY_URL, registryUrl, AUTO_REGISTER_SCHEMAS, autoRegister)
                : Map.of(SCHEMA_REGISTRY_URL, registryUrl, AUTO_REGISTER_SCHEMAS, autoRegister, BASIC_AUTH_USER_INFO, basicAuthUserInfo);
    }

    /**
     * The process-wide client for this registry. A {@code mem://scope} URL names an in-process
     * registry shared by everything configured with the same scope: for TopologyTestDriver tests,
     * where no registry runs (the counterpart of Confluent's {@code mock://}).
     */
    public SchemaRegistryClient client() {
        if (registryUrl.startsWith(MEMORY_SCHEME)) {
            return MEMORY.computeIfAbsent(registryUrl, u -> new InMemorySchemaRegistryClient());
        }
        return CLIENTS.computeIfAbsent(this, c -> new HttpSchemaRegistryClient(c.registryUrl(), c.basicAuthUserInfo()));
    }

    /** Forgets an in-process registry scope (tests call this between runs). */
    public static void dropMemoryScope(String url) { MEMORY.remove(url); }

    @Override
    public String toString() { // no credentials in logs
        return "SerdeConfig[registryUrl=" + registryUrl + ", autoRegister=" + autoRegister
                + ", basicAuth=" + (basicAuthUserInfo == null ? "none" : "set") + "]";
    }
}
