package io.sipstream.registry;

import static io.sipstream.registry.TestRegistry.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.registry.importer.ImportOptions;
import io.sipstream.registry.importer.RedisImporter;
import io.sipstream.registry.importer.Report;
import io.sipstream.schemas.Topics;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.JedisPooled;

/** Importing another backend's keyspace (catapult_jid-<user> = number) with validation and a dry run. */
@ExtendWith(LocalStackExtension.class)
class ImportTest {

    @Test
    void shouldImportValidRecordsReportTheRestAndWriteNothingOnADryRun(LocalStack stack) {
        TestRegistry r = SharedRegistry.get();
        // Given a source keyspace in another Redis database
        String source = stack.redisUrl() + "/3";
        try (JedisPooled src = new JedisPooled(URI.create(source))) {
            src.flushDB();
            src.set("catapult_jid-alice", "(555) 777-0001");
            src.set("catapult_jid-bob", "+1 555 777 0002");
            src.set("catapult_jid-carol", "12");
            src.set("catapult_jid-dave", "+15557770001");
            src.set("catapult_jid-erin", "555-777-0005");
            src.set("catapult_jid-frank", "555-777-0006");
            src.set("catapult_jid-bad@host", "555-777-0007");
            src.hset("catapult_jid-hash", Map.of("n", "555-777-0008"));
            src.set("other_key", "555-777-0009");
        }
        // and a registry where one number and one account exist already
        r.put("/v1/accounts/imp-owner", "{}");
        assertThat(r.put("/v1/accounts/imp-owner/numbers/%2B15557770005", null).statusCode()).isEqualTo(201);
        r.put("/v1/accounts/imp-frank", "{}");
        RedisImporter importer = r.service.importer();
        ImportOptions dry = new ImportOptions(source, "catapult_jid-*", "catapult_jid-(.+)", "imp-{user}", "US", true);

        // When a dry run looks at it (through an importer of its own, as the CLI runs it)
        Report preview;
        try (RedisImporter standalone = RegistryService.openImporter(r.config)) {
            preview = standalone.run(dry);
        }

        // Then it reports what it would do, and nothing is written
        assertThat(preview.dryRun()).isTrue();
        assertThat(preview.scanned()).isEqualTo(8);
        assertThat(preview.created()).extracting(Report.Created::accountId).containsExactly("imp-alice", "imp-bob");
        assertThat(preview.created()).extracting(Report.Created::number).containsExactly("+15557770001", "+15557770002");
        Map<String, String> reasons = preview.skipped().stream().collect(Collectors.toMap(Report.Skipped::key, Report.Skipped::reason));
        assertThat(reasons).containsOnlyKeys("catapult_jid-carol", "catapult_jid-dave", "catapult_jid-erin",
                "catapult_jid-frank", "catapult_jid-bad@host", "catapult_jid-hash");
        assertThat(reasons.get("catapult_jid-carol")).contains("bad number").contains("too short");
        assertThat(reasons.get("catapult_jid-dave")).contains("duplicate number +15557770001").contains("catapult_jid-alice");
        assertThat(reasons.get("catapult_jid-erin")).contains("+15557770005 is already taken");
        assertThat(reasons.get("catapult_jid-frank")).contains("account imp-frank already exists");
        assertThat(reasons.get("catapult_jid-bad@host")).contains("not valid");
        assertThat(reasons.get("catapult_jid-hash")).contains("not a string");
        assertThat(r.get("/v1/accounts/imp-alice").statusCode()).isEqualTo(404);
        assertThat(r.get("/v1/numbers/%2B15557770002").statusCode()).isEqualTo(404);
        assertThat(preview.summary()).contains("dry run").contains("would be created");

        // When it runs for real
        Report report = importer.run(new ImportOptions(source, "catapult_jid-*", "catapult_jid-(.+)", "imp-{user}", "US", false));

        // Then the same records land, validated and published like REST writes
        assertThat(report.created()).isEqualTo(preview.created());
        assertThat(report.skipped()).isEqualTo(preview.skipped());
        var alice = json(r.get("/v1/accounts/imp-alice"));
        assertThat(alice.get("displayName").asText()).isEqualTo("alice");
        assertThat(alice.get("defaultCallerId").asText()).isEqualTo("+15557770001");
        assertThat(alice.get("numbers").toString()).isEqualTo("[\"+15557770001\"]");
        assertThat(json(r.get("/v1/numbers/%2B15557770002")).get("accountId").asText()).isEqualTo("imp-bob");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(r.topic(Topics.REGISTRY_ACCOUNTS)).containsKeys("imp-alice", "imp-bob");
            assertThat(r.topic(Topics.REGISTRY_NUMBERS).get("+15557770001").getAccountId()).isEqualTo("imp-alice");
        });

        // and a second run creates nothing
        Report again = importer.run(new ImportOptions(source, "catapult_jid-*", "catapult_jid-(.+)", "imp-{user}", "US", false));
        assertThat(again.created()).isEmpty();
        assertThat(again.skipped()).filteredOn(s -> s.key().equals("catapult_jid-alice")).singleElement()
                .satisfies(s -> assertThat(s.reason()).contains("already exists"));
    }

    @Test
    void shouldRefuseUnusableOptions() {
        assertThatThrownBy(() -> new ImportOptions("redis://h", "k*", "k-.+", null, null, true)).hasMessageContaining("group");
        assertThatThrownBy(() -> new ImportOptions("redis://h", "k*", "k-(.+", null, null, true)).hasMessageContaining("does not compile");
        assertThatThrownBy(() -> new ImportOptions("redis://h", "k*", "k-(.+)", "acct", null, true)).hasMessageContaining("{user}");
        assertThat(new ImportOptions("redis://h", "k*", "k-(.+)", null, null, true).accountIdTemplate()).isEqualTo("{user}");
    }
}
