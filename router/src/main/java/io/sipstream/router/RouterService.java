package io.sipstream.router;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.platform.ServiceContext;
import io.sipstream.platform.deadletter.DeadLetterHandler;
import io.sipstream.platform.health.HealthRegistry;
import io.sipstream.platform.health.StreamsLiveness;
import io.sipstream.router.dryrun.DryRunDecisions;
import io.sipstream.router.topology.RouterTopology;
import io.sipstream.router.verdicts.VerdictListener;
import io.sipstream.schemas.SchemaIds;
import io.sipstream.schemas.TopicBootstrapper;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running router: makes sure the topics exist and gets the schema ids it writes, runs the
 * routing topology on Kafka Streams, reports its health (up while the streams are RUNNING or
 * REBALANCING) and its metrics (verdicts by action and status, and Kafka Streams' own).
 */
public final class RouterService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RouterService.class);
    public static final String HEALTH_CHECK = "router";
    /** Down only once the streams app has stopped for good (/livez): a restart mends it, a broker outage does not. */
    public static final String LIVENESS_CHECK = "router.alive";
    public static final String VERDICTS_METER = "sipstream.router.verdicts";

    private final KafkaStreams streams;
    private final KafkaStreamsMetrics streamsMetrics;
    private final HealthRegistry health;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private RouterService(KafkaStreams streams, KafkaStreamsMetrics streamsMetrics, HealthRegistry health) {
        this.streams = streams;
        this.streamsMetrics = streamsMetrics;
        this.health = health;
    }

    public static RouterService start(RouterConfig config, ServiceContext ctx) {
        try (Admin admin = config.kafka().admin()) {
            new TopicBootstrapper(admin, config.kafka().replicationFactor()).ensureAll();
        }
        // before the streams run: no stream thread, and so no call's verdict, waits on the Schema Registry
        SchemaIds.resolveAll(config.kafka().serdes(), RouterTopology.writers(config.applicationId()));
        VerdictListener counters = verdictCounters(ctx.metrics());
        io.sipstream.router.topology.RouterOptions options = config.options(counters);
        KafkaStreams streams = new KafkaStreams(RouterTopology.build(options), streamsProperties(config));
        DryRunDecisions dryRun = DryRunDecisions.of(streams, options, java.time.Clock.systemUTC());
        ctx.admin().documentation(DryRunDecisions.DOCUMENT).routes(dryRun::mount);
        streams.setUncaughtExceptionHandler(e -> {
            log.error("router stream thread failed, replacing it: {}", e.toString(), e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.setStateListener((now, before) -> log.info("router streams {} -> {}", before, now));
        KafkaStreamsMetrics metrics = new KafkaStreamsMetrics(streams);
        metrics.bindTo(ctx.metrics());
        ctx.health().register(HEALTH_CHECK, () -> {
            KafkaStreams.State state = streams.state();
            boolean up = state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
            return up ? HealthRegistry.Status.up(state.name()) : HealthRegistry.Status.down(state.name());
        });
        ctx.health().registerLiveness(LIVENESS_CHECK, () -> StreamsLiveness.of(streams));
        streams.start();
        log.info("router {} started with {} threads, state in {}", config.applicationId(), config.threads(), config.stateDir());
        return new RouterService(streams, metrics, ctx.health());
    }

    /** The Kafka Streams properties: at-least-once, latency first on the attempt -> verdict path. */
    public static Properties streamsProperties(RouterConfig config) {
        Properties p = new Properties();
        p.putAll(config.kafka().common());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.threads());
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toAbsolutePath().toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitInterval().toMillis());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) config.kafka().replicationFactor());
        p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.standbyReplicas());
        p.put(StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG, StreamsConfig.OPTIMIZE);
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0L);           // a table update is seen by the next attempt
        // An attempt is decided on the tables as they are: never wait for an empty table or event
        // partition (and skip Streams' per-record readiness check, which formats log text it never logs).
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        // a verdict (or changelog record) the serializer refuses is a dead letter, not a failing stream thread
        p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 0);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MIN_BYTES_CONFIG), 1);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), (int) config.fetchMaxWait().toMillis());
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), (int) config.sessionTimeout().toMillis());
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG),
                (int) Math.max(1000, config.sessionTimeout().toMillis() / 3));
        p.putAll(config.streamsOverrides());
        return p;
    }

    /** Counts verdicts by action and SIP status (sipstream_router_verdicts_total{action, status}). */
    static VerdictListener verdictCounters(MeterRegistry registry) {
        Map<Long, Counter> counters = new ConcurrentHashMap<>();
        return verdict -> counters.computeIfAbsent(key(verdict), k -> Counter.builder(VERDICTS_METER)
                .description("routing verdicts written, by action and SIP status")
                .tag("action", verdict.getAction().name())
                .tag("status", Integer.toString(verdict.getSipStatus()))
                .register(registry)).increment();
    }

    private static long key(RoutingVerdict v) { return ((long) v.getAction().ordinal() << 32) | v.getSipStatus(); }

    public KafkaStreams.State state() { return streams.state(); }

    /** Stops the router and leaves the group at once, so that the other instances take its partitions without waiting. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        health.unregister(HEALTH_CHECK);
        health.unregister(LIVENESS_CHECK);
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
        streamsMetrics.close();
        log.info("router stopped");
    }
}
