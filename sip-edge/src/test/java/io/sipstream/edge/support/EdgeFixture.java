package io.sipstream.edge.support;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sipstream.avro.BlockDecision;
import io.sipstream.avro.Transport;
import io.sipstream.avro.Trunk;
import io.sipstream.edge.EdgeConfig;
import io.sipstream.edge.EdgeService;
import io.sipstream.localstack.LocalStack;
import io.sipstream.platform.ServiceContext;
import io.sipstream.platform.config.Settings;
import io.sipstream.platform.credentials.SipCredentials;
import io.sipstream.platform.health.HealthRegistry;
import io.sipstream.platform.http.AdminServer;
import io.sipstream.platform.kafka.KafkaSettings;
import io.sipstream.platform.redis.RedisKeys;
import io.sipstream.platform.redis.RedisSettings;
import io.sipstream.platform.secrets.SecretBox;
import io.sipstream.schemas.Money;
import io.sipstream.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import redis.clients.jedis.UnifiedJedis;

/**
 * One edge on the local stack with everything the tests play against it: the fake router, a tap
 * on call.events, Redis accounts and the registry topics (trunks, blocks) it reads.
 */
public final class EdgeFixture implements AutoCloseable {
    public static final String SECRETS_KEY = "test-secrets-key-0123456789";
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    public final LocalStack stack;
    public final EdgeService edge;
    public final ServiceContext ctx;
    public final Settings settings;
    public final int sipPort;
    public final UnifiedJedis redis;
    public final RedisKeys keys;
    public final KafkaSettings kafka;
    private final KafkaProducer<String, Trunk> trunks;
    private final KafkaProducer<String, BlockDecision> blocks;

    private EdgeFixture(LocalStack stack, Map<String, String> overrides) throws Exception {
        this.stack = stack;
        Map<String, String> s = new HashMap<>();
        sipPort = TestUserAgent.freeUdpPort();
        s.put("edge.id", "1");
        s.put("sip.host", "127.0.0.1");
        s.put("sip.port", Integer.toString(sipPort));
        s.put("kafka.bootstrap", stack.bootstrapServers());
        s.put("schema.registry.url", stack.schemaRegistryUrl());
        s.put("redis.url", stack.redisUrl());
        stack.redisPassword().ifPresent(p -> s.put("redis.password", p));
        s.put("redis.prefix", "edgetest" + PREFIXES.incrementAndGet() + "-" + System.nanoTime() + ":");
        s.put("edge.verdict.timeout", "3s");
        s.put("edge.interim.interval", "1s");
        s.put("edge.target.timeout", "4s");
        s.put("edge.journal.dir", Files.createTempDirectory("edge-journal").toString());
        s.put("secrets.key", SECRETS_KEY);
        s.put("edge.ratelimit.per.second", "5000");
        s.put("edge.auth.ban.after", "1000");
        s.put("api.key", "test-api-key-0123456789");
        s.putAll(overrides);
        settings = Settings.of(s);
        HealthRegistry health = new HealthRegistry();
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ctx = new ServiceContext(settings, new AdminServer("127.0.0.1", 0, "test-api-key-0123456789", health, metrics), health, metrics);
        // session intervals of seconds (edge.session.min.se down to 1 s), so a refresh or an expiry takes no minutes
        edge = EdgeService.start(EdgeConfig.from(settings, 1), ctx);
        RedisSettings rs = RedisSettings.from(settings);
        redis = rs.connect();
        keys = new RedisKeys(rs.prefix());
        kafka = KafkaSettings.from(settings);
        trunks = new KafkaProducer<>(kafka.lowLatencyProducer("test-trunks"), new StringSerializer(),
                Topics.REGISTRY_TRUNKS.valueSerde(kafka.serdes()).serializer());
        blocks = new KafkaProducer<>(kafka.lowLatencyProducer("test-blocks"), new StringSerializer(),
                Topics.BILLING_BLOCKS.valueSerde(kafka.serdes()).serializer());
    }

    public static EdgeFixture start(LocalStack stack, Map<String, String> overrides) throws Exception {
        return new EdgeFixture(stack, overrides);
    }

    public String uri(String user) { return "sip:" + user + "@127.0.0.1:" + sipPort; }

    public String domain() { return settings.string("sip.domain", "sipstream.local"); }

    /** An account as number-registry keeps it in Redis: SIP user, HA1 credentials, JSON document. */
    public void account(String accountId, String password, boolean enabled) {
        redis.set(keys.sipUser(domain(), accountId), accountId);
        redis.hset(keys.credentials(accountId), SipCredentials.fromPassword(accountId, domain(), password).toHash());
        redis.set(keys.account(accountId), "{\"accountId\":\"" + accountId + "\",\"enabled\":" + enabled + "}");
    }

    public static Trunk.Builder trunk(String id, int port) {
        return Trunk.newBuilder().setTrunkId(id).setHost("127.0.0.1").setPort(port).setTransport(Transport.UDP)
                .setAllowedCidrs(List.of()).setUpdatedAt(Instant.now());
    }

    /** Publishes a trunk to registry.trunks and waits until the edge knows it. */
    public void publishTrunk(Trunk trunk) throws Exception {
        trunks.send(new ProducerRecord<>(Topics.REGISTRY_TRUNKS.name(), trunk.getTrunkId(), trunk)).get();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> trunk.equals(edge.trunks().get(trunk.getTrunkId())));
    }

    public void trunkCredentials(String trunkId, String username, String password, String realm) {
        redis.hset(keys.trunkCredentials(trunkId), Map.of("username", username,
                "secret", new SecretBox(SECRETS_KEY).seal(password), "realm", realm));
    }

    public void block(String accountId, boolean blocked, int status) throws Exception {
        BlockDecision d = BlockDecision.newBuilder().setAccountId(accountId).setBlocked(blocked).setSipStatus(status)
                .setReason(blocked ? "balance exhausted" : "").setBalance(Money.ZERO).setCurrency("USD")
                .setLivePerMinute(Money.ZERO).setDecidedAt(Instant.now()).build();
        blocks.send(new ProducerRecord<>(Topics.BILLING_BLOCKS.name(), accountId, d)).get();
    }

    public Path journalDir() { return Path.of(settings.required("edge.journal.dir")); }

    @Override
    public void close() {
        trunks.close(Duration.ofSeconds(2));
        blocks.close(Duration.ofSeconds(2));
        edge.close();
        redis.close();
    }

    /** Stops the edge as a crash would: its calls are neither hung up nor reported ended (see EdgeService#closeAsIfCrashed). */
    public void crash() {
        trunks.close(Duration.ofSeconds(2));
        blocks.close(Duration.ofSeconds(2));
        edge.closeAsIfCrashed();
        redis.close();
    }
}
