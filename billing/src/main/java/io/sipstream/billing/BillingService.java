package io.sipstream.billing;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.sipstream.avro.CreditChange;
import io.sipstream.billing.api.BillingApi;
import io.sipstream.billing.api.BillingQueries;
import io.sipstream.billing.rating.RateDeckLoader;
import io.sipstream.platform.ServiceContext;
import io.sipstream.platform.health.HealthRegistry;
import io.sipstream.schemas.TopicBootstrapper;
import io.sipstream.schemas.Topics;
import java.time.Clock;
import java.time.Duration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The billing service: the exactly-once Kafka Streams app of {@link BillingTopology}, its REST
 * routes, health check ({@code billing}: up while the streams are RUNNING) and metrics.
 */
public final class BillingService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BillingService.class);
    public static final String HEALTH_CHECK = "billing";

    private final KafkaStreams streams;
    private final RateDeckLoader decks;
    private final KafkaProducer<String, CreditChange> credits;
    private final KafkaStreamsMetrics streamsMetrics;
    private final ServiceContext ctx;

    private BillingService(KafkaStreams streams, RateDeckLoader decks, KafkaProducer<String, CreditChange> credits,
                           KafkaStreamsMetrics streamsMetrics, ServiceContext ctx) {
        this.streams = streams;
        this.decks = decks;
        this.credits = credits;
        this.streamsMetrics = streamsMetrics;
        this.ctx = ctx;
    }

    public static BillingService start(BillingConfig config, ServiceContext ctx) {
        try (Admin admin = config.kafka().admin()) {
            new TopicBootstrapper(admin, config.kafka().replicationFactor()).ensureAll();
        }
        KafkaStreams streams = new KafkaStreams(BillingTopology.build(config), BillingStreams.properties(config));
        streams.setUncaughtExceptionHandler(e -> {
            log.error("billing stream thread failed; replacing it", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        RateDeckLoader decks = new RateDeckLoader(config.kafka(), config.applicationId());
        KafkaProducer<String, CreditChange> credits = new KafkaProducer<>(
                config.kafka().lowLatencyProducer(config.applicationId() + "-credits"), new StringSerializer(),
                Topics.BILLING_CREDITS.valueSerde(config.kafka().serdes()).serializer());
        BillingApi api = new BillingApi(decks, credits, new BillingQueries(streams), config.creditConfirmTimeout(),
                Clock.systemUTC(), ctx.metrics());
        ctx.admin().routes(api::mount);
        ctx.health().register(HEALTH_CHECK, () -> streams.state() == KafkaStreams.State.RUNNING
                ? HealthRegistry.Status.up("streams " + streams.state())
                : HealthRegistry.Status.down("streams " + streams.state()));
        Gauge.builder("billing_streams_running", streams, s -> s.state() == KafkaStreams.State.RUNNING ? 1 : 0)
                .description("1 while the billing streams app is RUNNING").register(ctx.metrics());
        KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(ctx.metrics());
        streams.start();
        log.info("billing started: application {}, state in {}", config.applicationId(), config.stateDir().toAbsolutePath());
        return new BillingService(streams, decks, credits, streamsMetrics, ctx);
    }

    /** The streams app, for the launcher's status output and for tests. */
    public KafkaStreams streams() { return streams; }

    @Override
    public void close() {
        ctx.health().unregister(HEALTH_CHECK);
        // leave the group so a restarted instance gets its partitions at once, not after the session timeout
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
        streamsMetrics.close();
        credits.close(Duration.ofSeconds(5));
        decks.close();
    }
}
