package io.sipstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.Rate;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.schemas.Topics;
import io.sipstream.schemas.serde.SerdeConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
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
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import redis.clients.jedis.JedisPooled;

/** The operator commands of the CLI, run as an operator would, against the real local stack. */
@ExtendWith(LocalStackExtension.class)
class OperatorToolsTest {

    private static String[] settings(LocalStack stack) {
        return new String[] {"--kafka.bootstrap=" + stack.bootstrapServers(), "--schema.registry.url=" + stack.schemaRegistryUrl(),
                "--redis.url=" + stack.redisUrl(), "--api.key=operator-tools-test-key", "--secrets.key=operator-tools-secret-key"};
    }

    private static String[] args(String[] head, String[] settings) {
        String[] all = new String[head.length + settings.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(settings, 0, all, head.length, settings.length);
        return all;
    }

    @Test
    void loadRatesPublishesEveryRowOfTheDeck(LocalStack stack, @TempDir Path dir) throws Exception {
        String deck = "deck-" + UUID.randomUUID().toString().substring(0, 8);
        Path csv = dir.resolve("rates.csv");
        Files.writeString(csv, "prefix,price_per_minute,currency,first_increment,next_increment\n1,0.0100,USD,60,60\n44,0.0200,USD,30,6\n");

        StringWriter progress = new StringWriter();
        int exit = new CommandLine(new Sipstream()).setErr(new PrintWriter(progress, true))
                .execute(args(new String[] {"load-rates", "--deck", deck, "--file", csv.toString()}, settings(stack)));

        assertThat(exit).isZero();
        assertThat(progress.toString()).as("progress on stderr").contains("load-rates: writing, 2 of 2 read, 2 written, 0 skipped");
        Map<String, Rate> rows = readDeck(stack, deck);
        assertThat(rows).containsOnlyKeys(deck + ":1", deck + ":44");
        assertThat(rows.get(deck + ":44").getNextIncrement()).isEqualTo(6);
        assertThat(rows.get(deck + ":44").getPricePerMinute()).isEqualByComparingTo("0.02");
    }

    @Test
    void importRedisWritesNothingOnADryRunThenImportsAndReportsTheBadRecord(LocalStack stack) {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String source = stack.redisUrl() + "/3";
        try (JedisPooled other = new JedisPooled(stack.redisHost(), stack.redisPort(), null, stack.redisPassword().orElse(null));
             JedisPooled sourceDb = new JedisPooled(redis.clients.jedis.HostAndPort.from(stack.redisHost() + ":" + stack.redisPort()),
                     redis.clients.jedis.DefaultJedisClientConfig.builder().database(3)
                             .password(stack.redisPassword().orElse(null)).build())) {
            sourceDb.set("legacy_jid-dana" + tag + "@example.com", "+1 555 710 " + (1000 + (int) (Math.random() * 8000)));
            sourceDb.set("legacy_jid-bad" + tag + "@example.com", "12");
            String[] importArgs = {"import-redis", "--source", source, "--pattern", "legacy_jid-*" + tag + "@*",
                    "--key-regex", "legacy_jid-([^@]+)@.*"};

            StringWriter progress = new StringWriter();
            int dryRun = new CommandLine(new Sipstream()).setErr(new PrintWriter(progress, true))
                    .execute(args(append(importArgs, "--dry-run"), settings(stack)));
            assertThat(dryRun).as("a skipped record makes exit code 2").isEqualTo(2);
            assertThat(progress.toString()).as("progress on stderr")
                    .contains("import-redis: checking (dry run), 2 of 2 read, 0 written, 1 skipped");
            assertThat(other.exists("sipstream:account:dana" + tag)).as("a dry run writes nothing").isFalse();

            StringWriter realProgress = new StringWriter();
            int real = new CommandLine(new Sipstream()).setErr(new PrintWriter(realProgress, true)).execute(args(importArgs, settings(stack)));
            assertThat(real).isEqualTo(2);
            assertThat(realProgress.toString()).contains("import-redis: writing, 2 of 2 read, 1 written, 1 skipped");
            assertThat(other.get("sipstream:account:dana" + tag)).contains("\"numbers\":[\"+155571");
            assertThat(other.exists("sipstream:account:bad" + tag)).isFalse();
        }
    }

    private static String[] append(String[] a, String more) {
        String[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = more;
        return out;
    }

    private static Map<String, Rate> readDeck(LocalStack stack, String deck) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "tools-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        var serde = Topics.BILLING_RATES.valueSerde(new SerdeConfig(stack.schemaRegistryUrl(), null, true));
        Map<String, Rate> rows = new HashMap<>();
        try (var consumer = new KafkaConsumer<>(props, new StringDeserializer(), serde.deserializer())) {
            consumer.subscribe(List.of(Topics.BILLING_RATES.name()));
            long deadline = System.currentTimeMillis() + 30_000;
            while (rows.size() < 2 && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.key().startsWith(deck + ":")) rows.put(r.key(), r.value());
                });
            }
        }
        return rows;
    }
}
