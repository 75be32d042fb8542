package io.sipstream.registry;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import io.sipstream.platform.config.ConfigException;
import io.sipstream.platform.config.Settings;
import io.sipstream.platform.kafka.KafkaSettings;
import io.sipstream.platform.redis.RedisSettings;
import java.time.Duration;
import java.util.Locale;

/**
 * Settings of the number registry, validated once at start-up.
 *
 * <ul>
 *   <li>{@code kafka.*}, {@code schema.registry.url}: see {@link KafkaSettings}</li>
 *   <li>{@code redis.url}, {@code redis.prefix} ...: see {@link RedisSettings}; with a Redis Cluster the
 *       prefix must hold a hash tag (e.g. <code>{sipstream}:</code>) so that every registry key lives in one slot</li>
 *   <li>{@code sip.domain} (default sipstream.local): SIP domain and digest realm of every account</li>
 *   <li>{@code sip.advertised.host} (default 127.0.0.1), {@code sip.port} (default 5060): the registrar shown to users</li>
 *   <li>{@code registry.default.region} (default US): region for reading national numbers of requests without one</li>
 *   <li>{@code registry.numbers.allow-fictional} (default true): accept +1 555 numbers, which libphonenumber calls invalid</li>
 *   <li>{@code secrets.key}: seals trunk digest passwords; without it trunks cannot have credentials</li>
 *   <li>{@code registry.publish.batch} (default 500): outbox entries sent per round</li>
 *   <li>{@code registry.publish.retry.max} (default 5s): longest back-off between publish attempts</li>
 *   <li>{@code registry.publish.timeout} (default 15s): how long one publish round waits for the broker's
 *       acknowledgement before it counts as failed (and is retried)</li>
 *   <li>{@code registry.topics.create} (default true): create the registry topics when missing</li>
 * </ul>
 */
public record RegistryConfig(KafkaSettings kafka, RedisSettings redis, String sipDomain, String advertisedHost,
                             int sipPort, String defaultRegion, boolean allowFictionalNumbers, String secretsKey,
                             int publishBatch, Duration publishMaxBackoff, Duration publishTimeout,
                             boolean createTopics) {

    public static final String DEFAULT_DOMAIN = "sipstream.local";

    public static RegistryConfig from(Settings settings) {
        KafkaSettings kafka = KafkaSettings.from(settings);
        RedisSettings redis = RedisSettings.from(settings);
        if (redis.url().startsWith("redis-cluster:") && !redis.prefix().matches(".*\\{[^}]+}.*")) {
            throw new ConfigException("redis.prefix", "with a Redis Cluster the prefix needs a hash tag such as "
                    + "'{sipstream}:' so that the registry's atomic updates stay within one slot");
        }
        String domain = settings.string("sip.domain", DEFAULT_DOMAIN);
        if (!domain.matches("[A-Za-z0-9.-]{1,253}")) throw new ConfigException("sip.domain", "'" + domain + "' is not a domain name");
        String host = settings.string("sip.advertised.host", "127.0.0.1");
        int port = settings.integer("sip.port", 5060, 1, 65535);
        String region = settings.string("registry.default.region", "US").toUpperCase(Locale.ROOT);
        if (!PhoneNumberUtil.getInstance().getSupportedRegions().contains(region)) {
            throw new ConfigException("registry.default.region", "'" + region + "' is not an ISO 3166 region known to libphonenumber");
        }
        String secrets = settings.string("secrets.key", null);
        if (secrets != null && secrets.length() < 16) throw new ConfigException("secrets.key", "must have at least 16 characters");
        return new RegistryConfig(kafka, redis, domain, host, port, region,
                settings.bool("registry.numbers.allow-fictional", true), secrets,
                settings.integer("registry.publish.batch", 500, 1, 10_000),
                settings.duration("registry.publish.retry.max", Duration.ofSeconds(5)),
                publishTimeout(settings),
                settings.bool("registry.topics.create", true));
    }

    private static Duration publishTimeout(Settings settings) {
        Duration d = settings.duration("registry.publish.timeout", Duration.ofSeconds(15));
        if (d.toMillis() < 2000 || d.toMillis() > 300_000) throw new ConfigException("registry.publish.timeout", "must be between 2s and 5m");
        return d;
    }

    @Override
    public String toString() { // no secret in logs
        return "RegistryConfig[kafka=" + kafka.bootstrapServers() + ", redis=" + redis + ", sipDomain=" + sipDomain
                + ", registrar=" + advertisedHost + ":" + sipPort + ", defaultRegion=" + defaultRegion
                + ", secretsKey=" + (secretsKey == null ? "unset" : "set") + "]";
    }
}
