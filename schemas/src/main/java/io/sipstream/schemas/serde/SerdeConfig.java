package io.sipstream.schemas.serde;

import io.sipstream.schemas.registry.HttpSchemaRegistryClient;
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

    public SchemaRegistryClient client() {
        return CLIENTS.computeIfAbsent(this, c -> new HttpSchemaRegistryClient(c.registryUrl(), c.basicAuthUserInfo()));
    }

    @Override
    public String toString() { // no credentials in logs
        return "SerdeConfig[registryUrl=" + registryUrl + ", autoRegister=" + autoRegister
                + ", basicAuth=" + (basicAuthUserInfo == null ? "none" : "set") + "]";
    }
}
