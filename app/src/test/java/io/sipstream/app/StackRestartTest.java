package io.sipstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sipstream.avro.Account;
import io.sipstream.localstack.LocalStack;
import io.sipstream.platform.config.Settings;
import io.sipstream.schemas.Topics;
import io.sipstream.schemas.serde.SerdeConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sipstream stack} restarted under running services, as the bench's broker-restart fault
 * does it. Given the stack of {@link StackCommand} on fixed ports and every service on it, when
 * the stack stops (broker, Schema Registry and Redis together) and starts again on the same data
 * dir and ports, then the services report healthy again, a registry write made after the restart
 * reaches its topic, and what was written before it (the topic's records, the schema they were
 * written with, the Redis keys) is still there.
 */
class StackRestartTest {
    private static final String KEY = "stack-restart-api-key-0123456789";

    @Test
    void servicesRecoverWhenTheStackRestartsOnTheSameDataDirAndPorts(@TempDir Path dir) throws Exception {
        StackCommand command = new StackCommand();
        command.dataDir = dir.resolve("data");
        command.kafkaPort = freePort();
        command.controllerPort = freePort();
        command.schemaRegistryPort = freePort();
        command.redisPort = freePort();
        String run = UUID.randomUUID().toString().substring(0, 8);

        LocalStack stack = command.start();
        try (AllInOne all = AllInOne.start(settings(stack, dir, run))) {
            AdminApiClient api = new AdminApiClient("http://127.0.0.1:" + all.httpPort(), KEY);
            await("/healthz before the restart").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> api.status("/healthz") == 200);
            String before = "before-" + run;
            api.put("/v1/accounts/" + before, account("Before"));
            assertThat(readAccounts(stack, List.of(before))).containsEntry(before, "Before");

            // When: the whole stack stops (Redis too: /healthz must see it) and starts again on its dir and ports
            stack.close();
            await("/healthz down while the stack is stopped").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(250)).until(() -> api.status("/healthz") != 200);
            stack = command.start();
            assertThat(stack.bootstrapServers()).endsWith(":" + command.kafkaPort);

            // Then: healthy again, a write after the restart reaches the topic, and nothing written before is lost
            await("/healthz after the restart").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                    .until(() -> api.status("/healthz") == 200);
            String after = "after-" + run;
            api.put("/v1/accounts/" + after, account("After"));
            assertThat(readAccounts(stack, List.of(before, after)))
                    .containsEntry(before, "Before").containsEntry(after, "After");
            assertThat(api.get("/v1/accounts/" + before).get("displayName").asText()).isEqualTo("Before");
        } finally {
            stack.close();
        }
    }

    private static String account(String name) {
        return "{\"displayName\": \"" + name + "\", \"enabled\": true, \"region\": \"US\", "
                + "\"defaultCallerId\": \"+15551230001\", \"outboundTrunk\": \"t1\", \"prepaid\": false}";
    }

    /**
     * registry.accounts read from the start by a new consumer with a new registry client, until
     * every wanted id is there: display name by account id.
     */
    private static Map<String, String> readAccounts(LocalStack stack, List<String> wanted) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "stack-restart-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        var serde = Topics.REGISTRY_ACCOUNTS.valueSerde(new SerdeConfig(stack.schemaRegistryUrl(), null, true));
        Map<String, String> found = new HashMap<>();
        try (var consumer = new KafkaConsumer<>(props, new StringDeserializer(), serde.deserializer())) {
            consumer.subscribe(List.of(Topics.REGISTRY_ACCOUNTS.name()));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!found.keySet().containsAll(wanted) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    Account value = r.value();
                    if (value != null && wanted.contains(r.key())) found.put(r.key(), value.getDisplayName().toString());
                });
            }
        }
        return found;
    }

    private static Settings settings(LocalStack stack, Path dir, String run) throws IOException {
        return Settings.of(StackSettings.base(stack, "restart-" + run, KEY, Sipp.freeSipPort(), "sipstream.local", dir));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
