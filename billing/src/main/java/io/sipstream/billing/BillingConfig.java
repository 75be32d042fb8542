package io.sipstream.billing;

import io.sipstream.billing.retention.Retention;
import io.sipstream.platform.config.ConfigException;
import io.sipstream.platform.config.Settings;
import io.sipstream.platform.kafka.KafkaSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Settings of the billing service, validated once at start-up.
 *
 * <ul>
 *   <li>{@code billing.application.id} Kafka Streams application id (default sipstream-billing)</li>
 *   <li>{@code billing.state.dir} local state of the stores (default ./data/billing)</li>
 *   <li>{@code billing.interim.grace} a live call not heard of for this long is charged as if still
 *       running (default 2m)</li>
 *   <li>{@code billing.max.call.age} a call open this long and not heard of is closed as a ghost (default 4h)</li>
 *   <li>{@code billing.punctuate.interval} how often the wall-clock check of live calls runs (default 5s)</li>
 *   <li>{@code billing.closed.call.retention} how long a finished call is remembered to ignore late
 *       events (default 7 days)</li>
 *   <li>{@code billing.credit.confirm.timeout} how long POST credits waits to tell whether its
 *       record was applied (default 5s)</li>
 *   <li>{@code billing.stream.threads} stream threads (default 1)</li>
 *   <li>{@code billing.commit.interval} exactly-once commit interval (default 1s): how long
 *       the cached stores gather writes before they reach the changelogs, and how soon
 *       read_committed readers see CDRs, usage and blocks</li>
 *   <li>{@code billing.usage.publish.interval} an account's usage windows go to billing.usage at its
 *       first call in such an interval, and its further calls' at the interval's end (default 5s)</li>
 *   <li>{@code billing.cdr.store.retention}, {@code billing.cdr.store.max.per.account},
 *       {@code billing.usage.hour|day|month.retention}, {@code billing.credit.key.retention},
 *       {@code billing.purge.batch}: see {@link Retention}</li>
 *   <li>{@code billing.advertised.url} {@code http://host:port} of this instance's admin server, for
 *       the other billing instances to forward account requests to (default none: one instance); port 0
 *       stands for the port the admin server binds</li>
 *   <li>{@code kafka.*}, {@code schema.registry.*}: see KafkaSettings</li>
 * </ul>
 */
public record BillingConfig(KafkaSettings kafka, String applicationId, Path stateDir, Duration interimGrace,
                            Duration maxCallAge, Duration punctuateInterval, Duration closedCallRetention,
                            Duration creditConfirmTimeout, int streamThreads, Duration commitInterval, Retention retention,
                            URI advertisedUrl, Duration usagePublishInterval) {

    public static BillingConfig from(Settings settings) {
        KafkaSettings kafka = KafkaSettings.from(settings);
        String appId = settings.string("billing.application.id", "sipstream-billing");
        if (!appId.matches("[A-Za-z0-9._-]+")) {
            throw new ConfigException("billing.application.id", "'" + appId + "' may hold only letters, digits, '.', '_' and '-'");
        }
        Path stateDir = Path.of(settings.string("billing.state.dir", "data/billing"));
        Duration grace = positive(settings, "billing.interim.grace", Duration.ofMinutes(2));
        Duration maxAge = positive(settings, "billing.max.call.age", Duration.ofHours(4));
        if (maxAge.compareTo(grace) <= 0) {
            throw new ConfigException("billing.max.call.age", maxAge + " must be longer than billing.interim.grace " + grace);
        }
        Duration punctuate = positive(settings, "billing.punctuate.interval", Duration.ofSeconds(5));
        Duration retention = positive(settings, "billing.closed.call.retention", Duration.ofDays(7));
        Duration confirm = positive(settings, "billing.credit.confirm.timeout", Duration.ofSeconds(5));
        int threads = settings.integer("billing.stream.threads", 1, 1, 64);
        Duration commit = positive(settings, "billing.commit.interval", Duration.ofSeconds(1));
        Duration usagePublish = positive(settings, "billing.usage.publish.interval", Duration.ofSeconds(5));
        return new BillingConfig(kafka, appId, stateDir, grace, maxAge, punctuate, retention, confirm, threads, commit,
                Retention.from(settings), advertisedUrl(settings), usagePublish);
    }

    /** {@code http(s)://host:port}, or null when not set (a single billing instance). */
    private static URI advertisedUrl(Settings settings) {
        String raw = settings.string("billing.advertised.url", null);
        if (raw == null) return null;
        URI uri;
        try {
            uri = new URI(raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw);
        } catch (URISyntaxException e) {
            throw new ConfigException("billing.advertised.url", "'" + raw + "' is not a URL: " + e.getMessage());
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0
                || !(uri.getRawPath() == null || uri.getRawPath().isEmpty()) || uri.getRawQuery() != null) {
            throw new ConfigException("billing.advertised.url", "'" + raw
                    + "' must be http://host:port (or https) of this instance's admin server, without a path");
        }
        return uri;
    }

    private static Duration positive(Settings settings, String key, Duration fallback) {
        Duration d = settings.duration(key, fallback);
        if (d.isNegative() || d.isZero()) throw new ConfigException(key, d + " must be positive");
        return d;
    }
}
