package io.sipstream.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sipstream.avro.Account;
import io.sipstream.avro.NumberAssignment;
import io.sipstream.avro.Trunk;
import io.sipstream.localstack.KafkaBroker;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.localstack.RedisServer;
import io.sipstream.localstack.TestRedis;
import io.sipstream.platform.accounts.AccountDoc;
import io.sipstream.registry.store.RegistryStore;
import io.sipstream.registry.store.TrunkDoc;
import io.sipstream.schemas.Topics;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.JedisPooled;

/**
 * Publishing through a Kafka outage, a Redis restart and a Redis that lost its data: the registry
 * keeps taking writes while Kafka is away, and the compacted topics end up holding exactly what
 * Redis holds. Uses a broker and a Redis of its own (so it can stop them) and the shared stack's
 * Schema Registry.
 */
@ExtendWith(LocalStackExtension.class)
class PublishingOutageTest {
    private static final String PREFIX = "outage:";

    @TempDir
    Path dir;

    @Test
    void shouldConvergeToRedisThroughAKafkaOutageAndARedisRestart(LocalStack stack) {
        KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka"), 0, 0);
        int kafkaPort = broker.port();
        int controllerPort = broker.controllerPort();
        RedisServer redis = TestRedis.start(dir.resolve("redis"), 0);
        int redisPort = redis.port();
        Map<String, String> settings = TestRegistry.settings(broker.bootstrapServers(), stack.schemaRegistryUrl(),
                "redis://127.0.0.1:" + redisPort, PREFIX);
        settings.put("registry.publish.timeout", "3s");
        TestRegistry r = TestRegistry.start(settings);
        try {
            // Given records published while everything is up
            assertThat(r.put("/v1/trunks/o-t1", "{\"host\": \"10.0.0.1\"}").statusCode()).isEqualTo(201);
            assertThat(r.put("/v1/accounts/o1", "{\"outboundTrunk\": \"o-t1\"}").statusCode()).isEqualTo(201);
            assertThat(r.put("/v1/accounts/o1/numbers/%2B15556660001", null).statusCode()).isEqualTo(201);
            assertThat(r.put("/v1/accounts/o2", "{}").statusCode()).isEqualTo(201);
            assertThat(r.put("/v1/accounts/o2/numbers/%2B15556660002", null).statusCode()).isEqualTo(201);
            awaitConverged(r);

            // When Kafka goes away, writes still land in Redis and wait in the outbox
            broker.close();
            assertThat(r.put("/v1/accounts/o3", "{\"displayName\": \"during outage\"}").statusCode()).isEqualTo(201);
            assertThat(r.put("/v1/accounts/o3/numbers/%2B15556660003", null).statusCode()).isEqualTo(201);
            assertThat(r.put("/v1/accounts/o1", "{\"displayName\": \"renamed\", \"outboundTrunk\": \"o-t2\"}").statusCode()).isEqualTo(200);
            assertThat(r.delete("/v1/accounts/o2").statusCode()).isEqualTo(204);
            assertThat(r.put("/v1/trunks/o-t2", "{\"host\": \"10.0.0.2\"}").statusCode()).isEqualTo(201);
            assertThat(r.delete("/v1/trunks/o-t1").statusCode()).isEqualTo(204);
            assertThat(r.service.publisher().depth() + r.redis.llen(PREFIX + "registry:outbox")).isPositive();
            await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
                assertThat(r.service.publisher().health().up()).isFalse();
                assertThat(r.get("/healthz", "Authorization", null).statusCode()).isEqualTo(503);
            });

            // When Kafka comes back, the topics catch up in order
            broker = KafkaBroker.start(dir.resolve("kafka"), kafkaPort, controllerPort);
            awaitConverged(r);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(r.get("/healthz", "Authorization", null).statusCode()).isEqualTo(200));

            // When Redis restarts, writes fail cleanly while it is down and work once it is back
            redis.close();
            assertThat(r.put("/v1/accounts/o4", "{}").statusCode()).isEqualTo(503);
            redis = TestRedis.start(dir.resolve("redis"), redisPort);
            await().atMost(Duration.ofSeconds(20)).until(() -> r.put("/v1/accounts/o4", "{}").statusCode() / 100 == 2);
            assertThat(r.put("/v1/accounts/o4/numbers/%2B15556660004", null).statusCode()).isEqualTo(201);
            assertThat(r.get("/v1/accounts/o3").statusCode()).isEqualTo(200); // kept across the restart
            awaitConverged(r);

            // When Redis loses everything, the topics follow it: tombstones for every record
            try (JedisPooled fresh = new JedisPooled(URI.create("redis://127.0.0.1:" + redisPort))) {
                fresh.flushAll();
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(r.topic(Topics.REGISTRY_ACCOUNTS)).isEmpty();
                assertThat(r.topic(Topics.REGISTRY_NUMBERS)).isEmpty();
                assertThat(r.topic(Topics.REGISTRY_TRUNKS)).isEmpty();
            });
        } finally {
            r.close();
            broker.close();
            redis.close();
        }
    }

    /** The topics hold exactly Redis's accounts, numbers and trunks, at Redis's versions. */
    private static void awaitConverged(TestRegistry r) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            try (JedisPooled redis = new JedisPooled(URI.create(r.config.redis().url()))) {
                Map<String, Long> accounts = new HashMap<>();
                Map<String, String> numbers = new HashMap<>();
                for (String id : redis.smembers(PREFIX + "accounts")) {
                    AccountDoc doc = RegistryStore.decode(redis.get(PREFIX + "account:" + id), AccountDoc.class);
                    accounts.put(id, doc.version());
                }
                List<String> numberKeys = new java.util.ArrayList<>();
                redis.scanIteration(100, PREFIX + "number:*").collect(numberKeys);
                for (String key : numberKeys) numbers.put(key.substring((PREFIX + "number:").length()), redis.get(key));
                Map<String, Long> trunks = new HashMap<>();
                for (String id : redis.smembers(PREFIX + "trunks")) {
                    trunks.put(id, RegistryStore.decode(redis.get(PREFIX + "trunk:" + id), TrunkDoc.class).version());
                }
                Map<String, Long> publishedAccounts = new HashMap<>();
                r.topic(Topics.REGISTRY_ACCOUNTS).forEach((k, v) -> publishedAccounts.put(k, ((Account) v).getVersion()));
                Map<String, String> publishedNumbers = new HashMap<>();
                r.topic(Topics.REGISTRY_NUMBERS).forEach((k, v) -> publishedNumbers.put(k, ((NumberAssignment) v).getAccountId()));
                Map<String, Long> publishedTrunks = new HashMap<>();
                r.topic(Topics.REGISTRY_TRUNKS).forEach((k, v) -> publishedTrunks.put(k, ((Trunk) v).getVersion()));
                assertThat(publishedAccounts).isEqualTo(accounts);
                assertThat(publishedNumbers).isEqualTo(numbers);
                assertThat(publishedTrunks).isEqualTo(trunks);
                assertThat(redis.llen(PREFIX + "registry:outbox")).isZero();
            }
        });
    }
}
