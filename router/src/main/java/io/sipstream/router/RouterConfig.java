package io.sipstream.router;

import io.sipstream.platform.config.ConfigException;
import io.sipstream.platform.config.Settings;
import io.sipstream.platform.kafka.KafkaSettings;
import io.sipstream.router.numbers.BarredPrefixes;
import io.sipstream.router.numbers.EmergencyNumbers;
import io.sipstream.router.numbers.NumberNormalizer;
import io.sipstream.router.topology.RouterOptions;
import io.sipstream.router.verdicts.VerdictListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The router's settings, read and checked once at start-up; an error names the key.
 *
 * <ul>
 *   <li>{@code router.application.id} Kafka Streams application id, the consumer group every router
 *       instance joins (default sipstream-router)</li>
 *   <li>{@code router.threads} stream threads (default: the number of cores)</li>
 *   <li>{@code router.barred.prefixes} comma-separated E.164 prefixes no account may call
 *       (default: {@link BarredPrefixes#DEFAULTS}; an empty value is the default, "none" bars nothing)</li>
 *   <li>{@code router.state.dir} Kafka Streams state directory (default data/router); two
 *       instances on one machine need two</li>
 *   <li>{@code router.inbound.region} region in which inbound numbers without a country code are read (default US)</li>
 *   <li>{@code router.commit.interval} (default 100ms), {@code router.fetch.max.wait} (default 500ms)</li>
 *   <li>{@code router.session.timeout} how soon a crashed instance's partitions move (default 10s)</li>
 *   <li>{@code router.standby.replicas} warm copies of the stores on other instances (default 0)</li>
 *   <li>{@code router.limits.pending.max.age} (default 5m), {@code router.limits.live.max.age} (default 6h),
 *       {@code router.limits.sweep.interval} (default 30s): see {@link RouterOptions}</li>
 *   <li>{@code router.prepaid.max.duration} the longest cap a prepaid call gets (default 4h, the edge's
 *       {@code edge.max.call.duration}): the most of a balance one call holds</li>
 *   <li>{@code router.emergency.numbers} comma-separated emergency numbers every account may dial on top of
 *       its own region's ({@link EmergencyNumbers}); default: those of {@code router.inbound.region}, the
 *       operator's region (US: 911, 933)</li>
 *   <li>{@code router.emergency.trunk} the trunk emergency calls of accounts without an {@code emergencyTrunk}
 *       leave on, before their outbound trunk (default: none)</li>
 *   <li>{@code router.streams.*} passed to Kafka Streams as is, last (e.g. router.streams.poll.ms=50)</li>
 *   <li>{@code kafka.*} and {@code schema.registry.*}: see {@link KafkaSettings}</li>
 * </ul>
 */
public record RouterConfig(KafkaSettings kafka, String applicationId, int threads, BarredPrefixes barred, Path stateDir,
                           String inboundRegion, Duration commitInterval, Duration fetchMaxWait, Duration sessionTimeout,
                           int standbyReplicas, Duration pendingCallMaxAge, Duration liveCallMaxAge, Duration sweepInterval,
                           Duration prepaidMaxDuration, EmergencyNumbers emergencyNumbers, String emergencyTrunk,
                           Map<String, String> streamsOverrides) {

    public static RouterConfig from(Settings settings) {
        KafkaSettings kafka = KafkaSettings.from(settings);
        String applicationId = settings.string("router.application.id", "sipstream-router");
        if (!applicationId.matches("[A-Za-z0-9._-]+")) {
            throw new ConfigException("router.application.id", "'" + applicationId + "' may only hold letters, digits, '.', '_' and '-'");
        }
        int threads = settings.integer("router.threads", Runtime.getRuntime().availableProcessors(), 1, 64);
        BarredPrefixes barred;
        String barredText = settings.string("router.barred.prefixes", null);
        if (barredText == null) {
            barred = BarredPrefixes.defaults();
        } else if (barredText.equalsIgnoreCase("none")) {
            barred = BarredPrefixes.none();
        } else {
            try {
                barred = BarredPrefixes.of(settings.list("router.barred.prefixes", BarredPrefixes.DEFAULTS));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("router.barred.prefixes", e.getMessage());
            }
        }
        String region = settings.string("router.inbound.region", "US").toUpperCase(Locale.ROOT);
        if (!NumberNormalizer.isSupportedRegion(region)) {
            throw new ConfigException("router.inbound.region", "'" + region + "' is not an ISO 3166 region libphonenumber knows (e.g. US, GB)");
        }
        Duration commit = positive(settings, "router.commit.interval", Duration.ofMillis(100));
        // how long the broker may hold a fetch that finds nothing; data is returned the moment it arrives
        // (fetch.min.bytes 1), so a longer wait costs no latency, only fewer empty fetches
        Duration fetchWait = positive(settings, "router.fetch.max.wait", Duration.ofMillis(500));
        Duration session = positive(settings, "router.session.timeout", Duration.ofSeconds(10));
        if (session.toMillis() < 6000) throw new ConfigException("router.session.timeout", "must be at least 6s (the broker's minimum)");
        Duration pending = positive(settings, "router.limits.pending.max.age", RouterOptions.DEFAULT_PENDING_MAX_AGE);
        Duration live = positive(settings, "router.limits.live.max.age", RouterOptions.DEFAULT_LIVE_MAX_AGE);
        Duration sweep = positive(settings, "router.limits.sweep.interval", RouterOptions.DEFAULT_SWEEP_INTERVAL);
        Duration prepaidMax = positive(settings, "router.prepaid.max.duration", RouterOptions.DEFAULT_PREPAID_MAX_DURATION);
        if (prepaidMax.toSeconds() < 1) throw new ConfigException("router.prepaid.max.duration", "must be at least 1s");
        EmergencyNumbers emergency;
        String emergencyText = settings.string("router.emergency.numbers", null);
        try {
            emergency = emergencyText == null || emergencyText.isBlank() ? EmergencyNumbers.forRegion(region)
                    : EmergencyNumbers.of(settings.list("router.emergency.numbers", List.of()));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("router.emergency.numbers", e.getMessage());
        }
        String emergencyTrunk = settings.string("router.emergency.trunk", null);
        if (emergencyTrunk != null && emergencyTrunk.isBlank()) emergencyTrunk = null;
        return new RouterConfig(kafka, applicationId, threads, barred,
                Path.of(settings.string("router.state.dir", "data/router")), region, commit, fetchWait, session,
                settings.integer("router.standby.replicas", 0, 0, 3), pending, live, sweep, prepaidMax,
                emergency, emergencyTrunk == null ? null : emergencyTrunk.trim(), settings.under("router.streams."));
    }

    /** The topology's options, telling {@code listener} of every verdict. */
    public RouterOptions options(VerdictListener listener) {
        return new RouterOptions(kafka.serdes(), barred, inboundRegion, pendingCallMaxAge, liveCallMaxAge, sweepInterval,
                prepaidMaxDuration, listener, emergencyNumbers, emergencyTrunk);
    }

    private static Duration positive(Settings settings, String key, Duration fallback) {
        Duration d = settings.duration(key, fallback);
        if (d.isNegative() || d.isZero()) throw new ConfigException(key, "must be longer than zero");
        return d;
    }
}
