package io.sipstream.billing;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.sipstream.avro.CreditChange;
import io.sipstream.billing.api.AccountRouter;
import io.sipstream.billing.api.AccountViewsApi;
import io.sipstream.billing.api.BillingApi;
import io.sipstream.billing.api.BillingQueries;
import io.sipstream.billing.api.CdrExportApi;
import io.sipstream.billing.api.CreditApi;
import io.sipstream.billing.api.RateDeckApi;
import io.sipstream.billing.accounts.AccountArrivals;
import io.sipstream.billing.balances.CreditConfirmations;
import io.sipstream.billing.decks.DeckWatch;
import io.sipstream.billing.rating.RateDeckLoader;
import io.sipstream.platform.ServiceContext;
import io.sipstream.platform.health.HealthRegistry;
import io.sipstream.platform.health.StreamsLiveness;
import io.sipstream.schemas.SchemaIds;
import io.sipstream.schemas.TopicBootstrapper;
import io.sipstream.schemas.Topics;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The billing service: the exactly-once Kafka Streams app of {@link BillingTopology}, its REST
 * routes, health check ({@code billing}: up while the streams are RUNNING) and metrics.
 *
 * <p>With {@code billing.advertised.url} set, the streams advertise it as {@code application.server}
 * and account requests go to the instance that owns the account. An advertised port 0 stands for
 * the port the admin server binds: the streams then start once the admin server has started.
 */
public final class BillingService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BillingService.class);
    public static final String HEALTH_CHECK = "billing";
    /** Down only once the streams app has stopped for good (/livez): a restart mends it, a broker outage does not. */
    public static final String LIVENESS_CHECK = "billing.alive";

    private final BillingConfig config;
    private final ServiceContext ctx;
    private final RateDeckLoader decks;
    private final KafkaProducer<String, CreditChange> credits;
    /** What the topology tells the REST API of this process: credits decided, deck rows applied, accounts stored. */
    private final CreditConfirmations confirmations = new CreditConfirmations();
    private final DeckWatch deckWatch = new DeckWatch();
    private final AccountArrivals arrivals = new AccountArrivals();
    private volatile KafkaStreams streams;
    private volatile HostInfo self;
    private KafkaStreamsMetrics streamsMetrics;
    private boolean closed;

    private BillingService(BillingConfig config, ServiceContext ctx, RateDeckLoader decks,
                           KafkaProducer<String, CreditChange> credits) {
        this.config = config;
        this.ctx = ctx;
        this.decks = decks;
        this.credits = credits;
    }

    public static BillingService start(BillingConfig config, ServiceContext ctx) {
        try (Admin admin = config.kafka().admin()) {
            new TopicBootstrapper(admin, config.kafka().replicationFactor()).ensureAll();
        }
        // before the streams and the REST API run: no stream thread or request waits on the Schema Registry
        SchemaIds.resolveAll(config.kafka().serdes(), BillingTopology.writers(config.applicationId()));
        RateDeckLoader decks = new RateDeckLoader(config.kafka(), config.applicationId());
        KafkaProducer<String, CreditChange> credits = new KafkaProducer<>(
                config.kafka().lowLatencyProducer(config.applicationId() + "-credits"), new StringSerializer(),
                Topics.BILLING_CREDITS.valueSerde(config.kafka().serdes()).serializer());
        BillingService service = new BillingService(config, ctx, decks, credits);

        URI advertised = config.advertisedUrl();
        BillingQueries queries = new BillingQueries(service::streams);
        AccountRouter router = new AccountRouter(service::streams, advertised == null ? null : () -> service.self,
                advertised == null ? "http" : advertised.getScheme(), queries,
                config.creditConfirmTimeout().plusSeconds(15), ctx.metrics());
        ctx.admin().documentation(BillingApi.DOCUMENT).bodyLimit(RateDeckApi.DECK_PATH, RateDeckApi.MAX_DECK_BYTES)
                .routes(new RateDeckApi(decks, queries, service.deckWatch, config.creditConfirmTimeout(), ctx.metrics())::mount);
        ctx.admin().routes(new CreditApi(credits, router, service.confirmations, service.arrivals, config.creditConfirmTimeout(),
                Clock.systemUTC(), ctx.metrics())::mount);
        ctx.admin().routes(new AccountViewsApi(router, Clock.systemUTC())::mount);
        ctx.admin().routes(new CdrExportApi(queries, router, Clock.systemUTC())::mount);
        ctx.health().register(HEALTH_CHECK, () -> {
            KafkaStreams s = service.streams;
            if (s == null) return HealthRegistry.Status.down("streams not started: waiting for the admin server");
            return s.state() == KafkaStreams.State.RUNNING
                    ? HealthRegistry.Status.up("streams " + s.state())
                    : HealthRegistry.Status.down("streams " + s.state());
        });
        ctx.health().registerLiveness(LIVENESS_CHECK, () -> StreamsLiveness.of(service.streams));
        Gauge.builder("sipstream.billing.streams.running", service, s -> s.streams != null && s.streams.state() == KafkaStreams.State.RUNNING ? 1 : 0)
                .description("1 while the billing streams app is RUNNING").register(ctx.metrics());

        if (advertised != null && advertised.getPort() == 0) {
            ctx.admin().routes(app -> app.events(events -> events.serverStarted(() -> service.startStreams(ctx.admin().port()))));
        } else {
            service.startStreams(advertised == null ? -1 : advertised.getPort());
        }
        return service;
    }

    private synchronized void startStreams(int port) {
        if (closed) return;
        Properties props = BillingStreams.properties(config);
        URI advertised = config.advertisedUrl();
        if (advertised != null) {
            self = new HostInfo(advertised.getHost(), port);
            props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, advertised.getHost() + ":" + port);
        }
        KafkaStreams s = new KafkaStreams(BillingTopology.build(config, confirmations, deckWatch, arrivals), props);
        s.setUncaughtExceptionHandler(e -> {
            log.error("billing stream thread failed; replacing it", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streamsMetrics = new KafkaStreamsMetrics(s);
        streamsMetrics.bindTo(ctx.metrics());
        s.start();
        streams = s;
        log.info("billing started: application {}, state in {}{}", config.applicationId(), config.stateDir().toAbsolutePath(),
                advertised == null ? "" : ", serving its accounts at " + advertised.getScheme() + "://" + self.host() + ":" + port);
    }

    /** The streams app, for the launcher's status output and for tests; null until started. */
    public KafkaStreams streams() { return streams; }

    @Override
    public void close() {
        ctx.health().unregister(HEALTH_CHECK);
        ctx.health().unregister(LIVENESS_CHECK);
        synchronized (this) {
            closed = true;
            if (streams != null) {
                // leave the group so a restarted instance gets its partitions at once, not after the session timeout
                streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                        .withTimeout(Duration.ofSeconds(30)));
                streamsMetrics.close();
            }
        }
        credits.close(Duration.ofSeconds(5));
        decks.close();
    }
}
