package io.sipstream.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sipstream.localstack.FailingRegistryProxy;
import io.sipstream.localstack.KafkaBroker;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The publisher gets the schema ids of the registry topics before it reports up, riding out a
 * Schema Registry that answers 500 to the first registrations; publishing then asks it nothing.
 * A broker of its own: a second registry on the shared one would reconcile away the shared
 * registry's records.
 */
@ExtendWith(LocalStackExtension.class)
class PublishingSchemaIdsTest {

    @Test
    void shouldGetTheSchemaIdsBeforeItReportsUpSoPublishingAsksTheRegistryNothing(LocalStack stack, @TempDir Path dir) {
        KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka"), 0, 0);
        try (FailingRegistryProxy registry = FailingRegistryProxy.start(stack.schemaRegistryUrl(), 2);
             TestRegistry r = TestRegistry.start(TestRegistry.settings(broker.bootstrapServers(), registry.url(), stack.redisUrl(),
                     "ids-" + UUID.randomUUID() + ":"))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> r.ctx.health().check().checks().get("registry.publisher").up());
            assertThat(registry.failuresLeft()).as("the 500s were met before the publisher reported up").isZero();
            long asked = registry.idRequests();

            assertThat(r.put("/v1/trunks/ids-t1", "{\"host\": \"10.0.0.1\"}").statusCode()).isEqualTo(201);
            assertThat(r.put("/v1/accounts/ids-a1", "{\"outboundTrunk\": \"ids-t1\"}").statusCode()).isEqualTo(201);
            assertThat(r.put("/v1/accounts/ids-a1/numbers/%2B15556670001", null).statusCode()).isEqualTo(201);

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(r.topic(Topics.REGISTRY_TRUNKS)).containsKey("ids-t1");
                assertThat(r.topic(Topics.REGISTRY_ACCOUNTS)).containsKey("ids-a1");
                assertThat(r.topic(Topics.REGISTRY_NUMBERS)).containsKey("+15556670001");
            });
            assertThat(registry.idRequests()).as("published with the ids got before it reported up").isEqualTo(asked);
        } finally {
            broker.close();
        }
    }
}
