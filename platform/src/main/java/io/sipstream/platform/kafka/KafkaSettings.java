package io.sipstream.platform.kafka;

import io.sipstream.platform.config.Settings;
import io.sipstream.schemas.serde.SerdeConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * How a service reaches Kafka and the Schema Registry. {@code kafka.client.*} settings pass through
 * to every client (security.protocol, sasl.* ...), so a secured cluster needs no code change.
 *
 * <ul>
 *   <li>{@code kafka.bootstrap} (required) bootstrap servers</li>
 *   <li>{@code schema.registry.url} (required), {@code schema.registry.basic.auth} user:password</li>
 *   <li>{@code kafka.replication.factor} for topics the bootstrapper creates (default 1)</li>
 * </ul>
 */
public record KafkaSettings(String bootstrapServers, SerdeConfig serdes, short replicationFactor,
                            Map<String, String> clientOverrides) {

    public static KafkaSettings from(Settings settings) {
        return new KafkaSettings(
                settings.required("kafka.bootstrap"),
                new SerdeConfig(settings.required("schema.registry.url"), settings.string("schema.registry.basic.auth", null),
                        settings.bool("schema.registry.auto.register", true)),
                (short) settings.integer("kafka.replication.factor", 1, 1, 5),
                settings.under("kafka.client."));
    }

    /** Properties every client of the service starts from. */
    public Map<String, Object> common() {
        Map<String, Object> props = new HashMap<>(clientOverrides);
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.putAll(serdes.asMap());
        return props;
    }

    /**
     * A producer on the call set-up path: no batching delay, acks=all with idempotence so a retry
     * neither loses nor duplicates a record.
     */
    public Map<String, Object> lowLatencyProducer(String clientId) {
        Map<String, Object> props = common();
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return props;
    }

    public Admin admin() {
        Map<String, Object> props = new HashMap<>(clientOverrides);
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return Admin.create(props);
    }
}
