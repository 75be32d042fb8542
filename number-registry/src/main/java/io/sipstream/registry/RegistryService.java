package io.sipstream.registry;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.sipstream.platform.ServiceContext;
import io.sipstream.platform.health.HealthRegistry;
import io.sipstream.platform.kafka.KafkaSettings;
import io.sipstream.platform.metrics.KafkaClientMeters;
import io.sipstream.platform.redis.RedisKeys;
import io.sipstream.platform.secrets.SecretBox;
import io.sipstream.registry.accounts.AccountRoutes;
import io.sipstream.registry.accounts.AccountService;
import io.sipstream.registry.credentials.CredentialRoutes;
import io.sipstream.registry.credentials.CredentialService;
import io.sipstream.registry.dialplan.DialPlanRoutes;
import io.sipstream.registry.dids.DidRoutes;
import io.sipstream.registry.dids.DidService;
import io.sipstream.registry.dialplan.DialPlanService;
import io.sipstream.registry.importer.RedisImporter;
import io.sipstream.registry.numbers.NumberRoutes;
import io.sipstream.registry.numbers.NumberService;
import io.sipstream.registry.numbers.PhoneNumbers;
import io.sipstream.registry.publish.OutboxPublisher;
import io.sipstream.registry.rest.Idempotency;
import io.sipstream.registry.publish.Reconciler;
import io.sipstream.registry.rest.RegistryApi;
import io.sipstream.registry.routes.RouteRoutes;
import io.sipstream.registry.routes.RouteService;
import io.sipstream.registry.store.RegistryStore;
import io.sipstream.registry.trunks.TrunkRoutes;
import io.sipstream.registry.trunks.TrunkService;
import io.sipstream.schemas.SchemaIds;
import io.sipstream.schemas.Topic;
import io.sipstream.schemas.TopicBootstrapper;
import io.sipstream.schemas.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;

/**
 * The number registry: the admin REST API over accounts, numbers, trunks, dial plans, SIP
 * credentials, the shared route table and DID bindings in Redis, and the publisher that mirrors every change onto the compacted registry
 * topics. Start with {@link #start}; mount happens before the admin server starts.
 */
public final class RegistryService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RegistryService.class);
    private static final List<Topic<?>> TOPICS = List.of(Topics.REGISTRY_ACCOUNTS, Topics.REGISTRY_NUMBERS, Topics.REGISTRY_TRUNKS,
            Topics.REGISTRY_ROUTES, Topics.REGISTRY_DIDS);

    private final RegistryConfig config;
    private final UnifiedJedis redis;
    private final RegistryStore store;
    private final Admin admin;
    private final OutboxPublisher publisher;
    private final AccountService accounts;
    private final NumberService numbers;
    private final HealthRegistry health;
    private final MeterRegistry metrics;
    /** The publisher's producer's meters: it makes a new producer after a failure, and the new one's replace them. */
    private KafkaClientMetrics publisherMeters;

    private RegistryService(RegistryConfig config, ServiceContext ctx) {
        this.config = config;
        this.health = ctx.health();
        this.metrics = ctx.metrics();
        Clock clock = Clock.tickMillis(ZoneOffset.UTC); // Avro keeps milliseconds: so does Redis
        this.redis = config.redis().connect();
        this.store = new RegistryStore(redis, new RedisKeys(config.redis().prefix()));
        PhoneNumbers phoneNumbers = new PhoneNumbers(config.defaultRegion(), config.allowFictionalNumbers());
        this.accounts = new AccountService(store, phoneNumbers, config.sipDomain(), clock);
        this.numbers = new NumberService(store, phoneNumbers, clock);
        CredentialService credentials = new CredentialService(store, config.sipDomain(), config.advertisedHost(), config.sipPort(), clock);
        DialPlanService dialPlans = new DialPlanService(store, clock);
        RouteService routes = new RouteService(store, clock);
        DidService dids = new DidService(store, phoneNumbers, clock);
        TrunkService trunks = new TrunkService(store, config.secretsKey() == null ? null : new SecretBox(config.secretsKey()), clock);
        if (config.secretsKey() == null) log.warn("secrets.key is not set: trunks cannot be given digest credentials");

        KafkaSettings kafka = config.kafka();
        this.admin = kafka.admin();
        Map<String, Function<SpecificRecord, byte[]>> serializers = Map.of(
                Topics.REGISTRY_ACCOUNTS.name(), serializer(Topics.REGISTRY_ACCOUNTS, kafka),
                Topics.REGISTRY_NUMBERS.name(), serializer(Topics.REGISTRY_NUMBERS, kafka),
                Topics.REGISTRY_TRUNKS.name(), serializer(Topics.REGISTRY_TRUNKS, kafka),
                Topics.REGISTRY_ROUTES.name(), serializer(Topics.REGISTRY_ROUTES, kafka),
                Topics.REGISTRY_DIDS.name(), serializer(Topics.REGISTRY_DIDS, kafka));
        Reconciler reconciler = new Reconciler(store, kafka.common(),
                Topics.REGISTRY_ACCOUNTS.valueSerde(kafka.serdes()).deserializer(),
                Topics.REGISTRY_NUMBERS.valueSerde(kafka.serdes()).deserializer(),
                Topics.REGISTRY_TRUNKS.valueSerde(kafka.serdes()).deserializer(),
                Topics.REGISTRY_ROUTES.valueSerde(kafka.serdes()).deserializer(),
                Topics.REGISTRY_DIDS.valueSerde(kafka.serdes()).deserializer(),
                config.sipDomain(), number -> regionOf(phoneNumbers, number), Duration.ofSeconds(30));
        this.publisher = new OutboxPublisher(store, kafkaLink(kafka), topic -> {
            Function<SpecificRecord, byte[]> s = serializers.get(topic);
            if (s == null) throw new IllegalArgumentException("not a registry topic: " + topic);
            return s;
        }, reconciler::run, config.sipDomain(), config.publishBatch(), config.publishMaxBackoff(), ctx.metrics());
        store.onCommit(publisher::wake);

        Idempotency writes = new Idempotency(store);
        ctx.admin().documentation(RegistryApi.DOCUMENT).routes(app -> {
            AccountRoutes.mount(app, accounts, writes);
            NumberRoutes.mount(app, numbers, writes);
            CredentialRoutes.mount(app, credentials, writes);
            DialPlanRoutes.mount(app, dialPlans, writes);
            TrunkRoutes.mount(app, trunks, writes);
            RouteRoutes.mount(app, routes, writes);
            DidRoutes.mount(app, dids, writes);
        });
        health.register("registry.redis", () -> {
            try {
                return store.ping() ? HealthRegistry.Status.up("PONG from " + config.redis().redacted())
                        : HealthRegistry.Status.down("no PONG from " + config.redis().redacted());
            } catch (RuntimeException e) {
                return HealthRegistry.Status.down(e.getMessage());
            }
        });
        health.register("registry.publisher", publisher::health);
    }

    /** Connects to Redis, mounts the REST routes and starts publishing. */
    public static RegistryService start(RegistryConfig config, ServiceContext ctx) {
        RegistryService service = new RegistryService(config, ctx);
        service.publisher.start();
        log.info("number registry started: {}", config);
        return service;
    }

    /** The importer of an outside Redis keyspace, writing through this registry (so imports are published). */
    public RedisImporter importer() { return new RedisImporter(accounts, numbers, null); }

    /**
     * An importer for a CLI run without the service: it writes to the registry's Redis only; the
     * changes wait in the outbox until a registry service (any instance on that Redis) publishes them.
     * Close it when done.
     */
    public static RedisImporter openImporter(RegistryConfig config) {
        UnifiedJedis redis = config.redis().connect();
        Clock clock = Clock.tickMillis(ZoneOffset.UTC);
        RegistryStore store = new RegistryStore(redis, new RedisKeys(config.redis().prefix()));
        PhoneNumbers phoneNumbers = new PhoneNumbers(config.defaultRegion(), config.allowFictionalNumbers());
        return new RedisImporter(new AccountService(store, phoneNumbers, config.sipDomain(), clock),
                new NumberService(store, phoneNumbers, clock), redis);
    }

    public RegistryStore store() { return store; }

    public OutboxPublisher publisher() { return publisher; }

    private OutboxPublisher.Kafka kafkaLink(KafkaSettings kafka) {
        return new OutboxPublisher.Kafka() {
            @Override
            public Producer<String, byte[]> newProducer() {
                Map<String, Object> props = kafka.lowLatencyProducer("number-registry-publisher");
                props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
                int deliveryMs = (int) config.publishTimeout().toMillis();
                props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(5_000, deliveryMs / 2));
                props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, deliveryMs);
                props.put(ProducerConfig.LINGER_MS_CONFIG, 5); // not on the call path: let a burst share a request
                KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
                synchronized (RegistryService.this) {
                    if (publisherMeters != null) publisherMeters.close();
                    publisherMeters = KafkaClientMeters.bind(metrics, producer);
                }
                return producer;
            }

            @Override
            public void probe() {
                try {
                    admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException("Kafka does not answer: " + e.getMessage(), e);
                }
            }

            @Override
            public void ensureTopics() {
                if (config.createTopics()) new TopicBootstrapper(admin, kafka.replicationFactor()).ensure(TOPICS);
            }

            @Override
            public void resolveSchemaIds() {
                // one try: the publisher's loop retries with its own backoff, and the REST API keeps taking writes meanwhile
                SchemaIds.resolveAll(kafka.serdes(), SchemaIds.of(TOPICS), SchemaIds.Retry.ONCE);
            }
        };
    }

    private static <V extends SpecificRecord> Function<SpecificRecord, byte[]> serializer(Topic<V> topic, KafkaSettings kafka) {
        Serializer<V> serializer = topic.valueSerde(kafka.serdes()).serializer();
        return record -> serializer.serialize(topic.name(), topic.valueType().cast(record));
    }

    private static String regionOf(PhoneNumbers phoneNumbers, String e164) {
        try {
            return phoneNumbers.parse(e164, null).region();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public void close() {
        health.unregister("registry.redis");
        health.unregister("registry.publisher");
        publisher.close();
        synchronized (this) {
            if (publisherMeters != null) publisherMeters.close();
        }
        admin.close(Duration.ofSeconds(5));
        redis.close();
    }
}
