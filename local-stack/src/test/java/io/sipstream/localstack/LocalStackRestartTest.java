package io.sipstream.localstack;

import static io.sipstream.localstack.RegistryHttp.schemaBody;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/** A stack of its own, stopped and started again on the same data dir; or its broker alone, under running clients. */
class LocalStackRestartTest {

    @Test
    void shouldKeepTopicsRecordsSchemasAndKeysAcrossARestart(@TempDir Path dataDir) throws Exception {
        // Given a stack that wrote a topic, records, schemas, a level and a Redis key, then stopped
        int callId;
        int callV2Id;
        try (LocalStack first = LocalStack.builder().dataDir(dataDir).start()) {
            KafkaBrokerTest.createTopic(first, "restart.calls", 2);
            try (KafkaProducer<String, String> producer = KafkaBrokerTest.producer(first, Map.of())) {
                producer.send(new ProducerRecord<>("restart.calls", "acct-1", "call-1")).get();
                producer.send(new ProducerRecord<>("restart.calls", "acct-2", "call-2")).get();
            }
            RegistryHttp registry = new RegistryHttp(first.schemaRegistryUrl());
            callId = registry.post("/subjects/restart-value/versions", schemaBody(Schemas.CALL_V1)).json().get("id").asInt();
            callV2Id = registry.post("/subjects/restart-value/versions", schemaBody(Schemas.CALL_V2_WITH_DEFAULT)).json().get("id").asInt();
            registry.put("/config/restart-value", "{\"compatibility\":\"FULL\"}");
            try (Jedis jedis = new Jedis(first.redisHost(), first.redisPort())) {
                jedis.set("restart:key", "kept");
            }
        }

        // When a new stack starts on the same dir
        try (LocalStack second = LocalStack.builder().dataDir(dataDir).start()) {

            // Then the topic and its records are there
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, second.bootstrapServers()))) {
                assertThat(admin.listTopics().names().get()).contains("restart.calls");
            }
            assertThat(KafkaBrokerTest.readAll(second, "restart.calls", "restart-group", "read_committed", 2))
                    .containsExactlyInAnyOrder("call-1", "call-2");

            // and the registry answers as before, with ids that stay unique
            RegistryHttp registry = new RegistryHttp(second.schemaRegistryUrl());
            assertThat(registry.get("/schemas/ids/" + callId).status()).isEqualTo(200);
            assertThat(registry.get("/subjects/restart-value/versions").json().toString()).isEqualTo("[1,2]");
            assertThat(registry.get("/subjects/restart-value/versions/latest").json().get("id").asInt()).isEqualTo(callV2Id);
            assertThat(registry.get("/config/restart-value").json().get("compatibilityLevel").asText()).isEqualTo("FULL");
            assertThat(registry.post("/subjects/restart-value/versions", schemaBody(Schemas.CALL_V1)).json().get("id").asInt())
                    .isEqualTo(callId);
            int newId = registry.post("/subjects/restart-other-value/versions",
                    schemaBody(Schemas.call("{\"name\":\"other\",\"type\":\"int\",\"default\":0}"))).json().get("id").asInt();
            assertThat(newId).isGreaterThan(Math.max(callId, callV2Id));

            // and so is the Redis key
            try (Jedis jedis = new Jedis(second.redisHost(), second.redisPort())) {
                assertThat(jedis.get("restart:key")).isEqualTo("kept");
            }
        }
    }

    @Test
    void shouldStopKafkaAloneAndStartItAgainOnTheSamePortUnderItsClients() throws Exception {
        try (LocalStack stack = LocalStack.builder().start()) {
            // Given a topic with a record, and a producer connected to the broker
            String bootstrap = stack.bootstrapServers();
            KafkaBrokerTest.createTopic(stack, "outage.calls", 1);
            try (KafkaProducer<String, String> producer = KafkaBrokerTest.producer(stack,
                    Map.of(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000", ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000",
                            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000"))) {
                producer.send(new ProducerRecord<>("outage.calls", "acct-1", "before")).get();

                // When the broker stops, the registry and Redis stay up, and nothing is delivered
                stack.stopKafka();
                assertThat(new RegistryHttp(stack.schemaRegistryUrl()).get("/subjects").status()).isEqualTo(200);
                try (Jedis jedis = new Jedis(stack.redisHost(), stack.redisPort())) {
                    assertThat(jedis.ping()).isEqualTo("PONG");
                }
                // (on a thread of its own: a send waits for the topic's metadata, which no broker gives)
                CompletableFuture<RecordMetadata> during = new CompletableFuture<>();
                Thread.ofPlatform().start(() -> producer.send(new ProducerRecord<>("outage.calls", "acct-1", "during"), (md, e) -> {
                    if (e == null) during.complete(md);
                    else during.completeExceptionally(e);
                }));
                Thread.sleep(1000);
                assertThat(during).isNotDone();

                // Then, started again, it is at the same address with its records, and the waiting send is delivered
                stack.restartKafka();
                assertThat(stack.bootstrapServers()).isEqualTo(bootstrap);
                during.get(30, TimeUnit.SECONDS);
                producer.send(new ProducerRecord<>("outage.calls", "acct-1", "after")).get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw new AssertionError("not delivered once the broker was back", e.getCause());
            }
            assertThat(KafkaBrokerTest.readAll(stack, "outage.calls", "outage-group", "read_committed", 3))
                    .containsExactly("before", "during", "after");
        }
    }
}
