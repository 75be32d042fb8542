package io.sipstream.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sipstream.avro.Account;
import io.sipstream.avro.BlockDecision;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CreditChange;
import io.sipstream.avro.DeadLetter;
import io.sipstream.avro.RatedCdr;
import io.sipstream.avro.Usage;
import io.sipstream.avro.UsagePeriod;
import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.rating.RateDeckCsv;
import io.sipstream.billing.rating.RateDeckLoader;
import io.sipstream.billing.state.StateSerde;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.platform.kafka.KafkaSettings;
import io.sipstream.platform.config.Settings;
import io.sipstream.schemas.Money;
import io.sipstream.schemas.Topics;
import java.io.File;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Given a stream of calls and credits (with repeats and reordering), when the billing process is
 * killed (SIGKILL, no clean-up) twice in the middle of it and restarted once with the same state
 * directory and once with a fresh one, then billing.cdrs (read_committed) holds every CDR exactly
 * once, every balance billing keeps (its store's changelog, read_committed: what a restore reads) is
 * exact, and so is every prepaid balance on billing.blocks (a postpaid one is published there only
 * when its standing changes), and billing.usage's last values sum every account's calls and cost.
 */
@ExtendWith(LocalStackExtension.class)
class BillingExactlyOnceTest {
    private static final int ACCOUNTS = 6;
    private static final int CALLS = 240;

    @Test
    void shouldBillEveryCallExactlyOnceAcrossCrashesAndRestarts(LocalStack stack) throws Exception {
        String appId = StackSupport.unique("billing-eos");
        String deck = StackSupport.unique("eos");
        Path stateDir = StackSupport.tempDir("billing-eos-a");
        List<String> accounts = new ArrayList<>();
        for (int i = 0; i < ACCOUNTS; i++) accounts.add(StackSupport.unique("eos" + i));

        try (StackSupport kafka = new StackSupport(stack);
             var cdrs = kafka.cdrReader();
             var blocks = kafka.blockReader();
             RateDeckLoader loader = new RateDeckLoader(KafkaSettings.from(Settings.of(kafka.billingSettings(appId, stateDir))),
                     "eos-test")) {
            // Given a deck, accounts on it and their credits
            loader.replace(deck, RateDeckCsv.parse(deck, "1,0.012,USD,6,6,0.01\n44,0.06,USD,30,6\n"), null);
            Map<String, BigDecimal> expectedBalance = new LinkedHashMap<>();
            for (int i = 0; i < ACCOUNTS; i++) {
                String id = accounts.get(i);
                kafka.send(Account.newBuilder().setAccountId(id).setSipUsername(id).setSipDomain("d")
                        .setPrepaid(i % 2 == 0).setRateDeckId(deck).build());
                expectedBalance.put(id, Money.ZERO);
            }
            kafka.flush();

            Children children = new Children(kafka.billingSettings(appId, stateDir));
            try {
                children.start(stateDir);
                await().atMost(Duration.ofSeconds(60)).until(() -> blocks.poll().latest().keySet().containsAll(accounts));
                // read only once billing has created its changelogs: asking for an absent topic would have the broker make one
                var kept = kafka.reader(appId + "-" + StoreNames.BALANCES + "-changelog", StateSerde.balances().deserializer());
                var usage = kafka.reader(Topics.BILLING_USAGE.name(), Topics.BILLING_USAGE.valueSerde(kafka.serdes).deserializer());

                // When calls stream in while billing is killed and restarted
                Map<String, BigDecimal> expectedCost = new HashMap<>();
                CompletableFuture<Void> producing = CompletableFuture.runAsync(() ->
                        produce(kafka, accounts, expectedCost, expectedBalance));
                Function<Integer, Boolean> reached = n -> distinctCalls(kafka.cdrsOf(cdrs, Set.copyOf(accounts))) >= n;

                await().atMost(Duration.ofSeconds(60)).until(() -> reached.apply(CALLS / 4));
                assertThat(producing).as("billing is killed while calls still stream in").isNotDone();
                children.kill();
                children.start(stateDir); // same state directory
                await().atMost(Duration.ofSeconds(90)).until(() -> reached.apply(CALLS / 2));
                children.kill();
                children.start(StackSupport.tempDir("billing-eos-b")); // fresh state: restored from the changelogs
                producing.get();
                await().atMost(Duration.ofSeconds(90)).until(() -> reached.apply(CALLS));
                Map<String, BigDecimal> expectedPrepaid = prepaid(expectedBalance, accounts);
                await().atMost(Duration.ofSeconds(30)).until(() -> keptBalances(kept, accounts).equals(expectedBalance)
                        && balancesOf(blocks, prepaid(expectedBalance, accounts).keySet()).equals(expectedPrepaid));
                // billing.usage's last value of every window (some held back for the publish interval when billing was killed)
                Map<String, String> expectedUsage = expectedUsage(accounts, expectedCost);
                await().atMost(Duration.ofSeconds(30)).until(() -> usageSums(usage, accounts).equals(expectedUsage));
                children.stopGracefully();

                // Then every call has exactly one CDR with the exact cost, and every balance is exact
                List<RatedCdr> all = kafka.cdrsOf(cdrs, Set.copyOf(accounts));
                Map<String, Long> perCall = all.stream().collect(Collectors.groupingBy(RatedCdr::getCallId, Collectors.counting()));
                assertThat(perCall).hasSize(CALLS);
                assertThat(perCall.values()).as("CDRs per call").allMatch(n -> n == 1);
                for (RatedCdr cdr : all) {
                    assertThat(cdr.getCost()).as(cdr.getCallId()).isEqualTo(expectedCost.get(cdr.getCallId()));
                }
                assertThat(keptBalances(kept, accounts)).isEqualTo(expectedBalance);
                assertThat(balancesOf(blocks, expectedPrepaid.keySet())).isEqualTo(expectedPrepaid);
                kept.close();
                assertThat(usageSums(usage, accounts)).as("calls and cost per account and period on billing.usage")
                        .isEqualTo(expectedUsage);
                usage.close();
                BigDecimal charged = all.stream().map(RatedCdr::getCost).reduce(BigDecimal.ZERO, BigDecimal::add);
                BigDecimal expectedCharged = expectedCost.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
                assertThat(charged).isEqualByComparingTo(expectedCharged);
                assertThat(children.deadLetterSeen(kafka, appId)).as("the unreadable record was dead-lettered").isTrue();
            } finally {
                children.killQuietly();
            }
        }
    }

    /** Calls (a quarter unanswered, some events repeated or reordered) and credits (some repeated), paced. */
    private static void produce(StackSupport kafka, List<String> accounts, Map<String, BigDecimal> expectedCost,
                                Map<String, BigDecimal> expectedBalance) {
        Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(1));
        try (KafkaProducer<String, byte[]> raw = rawProducer(kafka)) {
            for (int i = 0; i < CALLS; i++) {
                String account = accounts.get(i % ACCOUNTS);
                String callId = account + "-c" + i;
                boolean uk = i % 3 == 0;
                String destination = uk ? "+447700900" + (100 + i) : "+1555" + (1000000 + i);
                long talk = i % 4 == 3 ? 0 : 1_000L + 7_919L * i % 400_000L;
                Instant start = base.plusSeconds(i);
                List<CallEvent> events = new ArrayList<>(CallEvents.answered(account, callId, destination, start, talk));
                if (talk == 0) events.set(2, CallEvent.newBuilder(events.get(2)).setSipStatus(486).setAnsweredAt(null).build());
                if (talk == 0) events.remove(1);
                if (i % 5 == 0 && events.size() == 3) events.add(1, events.remove(2)); // ENDED before ANSWERED
                if (i % 7 == 0) events.add(events.get(events.size() - 1)); // a repeat
                events.forEach(kafka::send);
                BigDecimal cost = talk == 0 ? Money.ZERO : expected(uk, talk);
                expectedCost.put(callId, cost);
                synchronized (expectedBalance) {
                    expectedBalance.merge(account, cost.negate(), (a, b) -> Money.of(a.add(b)));
                }
                if (i % 20 == 0) {
                    CreditChange credit = CreditChange.newBuilder().setAccountId(account).setIdempotencyKey("k" + i)
                            .setAmount(Money.parse("3.33")).setCurrency("USD").setCreatedAt(Instant.now()).build();
                    kafka.send(credit);
                    kafka.send(credit); // the same top-up twice
                    synchronized (expectedBalance) {
                        expectedBalance.merge(account, credit.getAmount(), (a, b) -> Money.of(a.add(b)));
                    }
                }
                if (i == CALLS / 3) {
                    raw.send(new ProducerRecord<>(Topics.CALL_EVENTS.name(), account, "garbage".getBytes()));
                }
                if (i % 6 == 5) {
                    kafka.flush();
                    Thread.sleep(350);
                }
            }
            kafka.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The test's own arithmetic: 1 at 0.012/min 6/6 with a 0.01 fee, 44 at 0.06/min 30/6. */
    private static BigDecimal expected(boolean uk, long talkMillis) {
        int first = uk ? 30 : 6;
        long seconds = (talkMillis + 999) / 1000;
        long billable = seconds <= first ? first : first + (seconds - first + 5) / 6 * 6;
        BigDecimal price = new BigDecimal(uk ? "0.06" : "0.012");
        BigDecimal cost = price.multiply(BigDecimal.valueOf(billable)).divide(BigDecimal.valueOf(60), 6, RoundingMode.HALF_EVEN);
        return Money.of(uk ? cost : cost.add(new BigDecimal("0.01")));
    }

    private static long distinctCalls(List<RatedCdr> cdrs) {
        return cdrs.stream().map(RatedCdr::getCallId).distinct().count();
    }

    private static Map<String, BigDecimal> balancesOf(StackSupport.Reader<BlockDecision> blocks, Collection<String> accounts) {
        Map<String, BlockDecision> latest = blocks.poll().latest();
        Map<String, BigDecimal> out = new LinkedHashMap<>();
        for (String a : accounts) out.put(a, latest.get(a) == null ? null : latest.get(a).getBalance());
        return out;
    }

    /** The balances in billing's state as its changelog holds them (a tombstone or nothing: null). */
    private static Map<String, BigDecimal> keptBalances(StackSupport.Reader<BalanceState> changelog, List<String> accounts) {
        Map<String, BalanceState> latest = changelog.poll().latest();
        Map<String, BigDecimal> out = new LinkedHashMap<>();
        for (String a : accounts) out.put(a, latest.get(a) == null ? null : latest.get(a).balance());
        return out;
    }

    /** Per account and period: the calls and cost of the account's windows' last values on billing.usage, summed. */
    private static Map<String, String> usageSums(StackSupport.Reader<Usage> usage, List<String> accounts) {
        Map<String, String> out = new LinkedHashMap<>();
        Map<String, Usage> latest = usage.poll().latest();
        for (String account : accounts) {
            for (UsagePeriod period : UsagePeriod.values()) {
                long calls = 0;
                BigDecimal cost = Money.ZERO;
                for (Usage u : latest.values()) {
                    if (u == null || !u.getAccountId().equals(account) || u.getPeriod() != period) continue;
                    calls += u.getCalls();
                    cost = Money.of(cost.add(u.getCost()));
                }
                out.put(account + "|" + period, calls + " calls, " + cost.toPlainString());
            }
        }
        return out;
    }

    private static Map<String, String> expectedUsage(List<String> accounts, Map<String, BigDecimal> expectedCost) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String account : accounts) {
            long calls = expectedCost.keySet().stream().filter(c -> c.startsWith(account + "-c")).count();
            BigDecimal cost = Money.of(expectedCost.entrySet().stream().filter(e -> e.getKey().startsWith(account + "-c"))
                    .map(Map.Entry::getValue).reduce(BigDecimal.ZERO, BigDecimal::add));
            for (UsagePeriod period : UsagePeriod.values()) out.put(account + "|" + period, calls + " calls, " + cost.toPlainString());
        }
        return out;
    }

    /** The prepaid accounts' part (every other account is prepaid, from the first). */
    private static Map<String, BigDecimal> prepaid(Map<String, BigDecimal> balances, List<String> accounts) {
        Map<String, BigDecimal> out = new LinkedHashMap<>();
        for (int i = 0; i < accounts.size(); i += 2) out.put(accounts.get(i), balances.get(accounts.get(i)));
        return out;
    }

    private static KafkaProducer<String, byte[]> rawProducer(StackSupport kafka) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.stack.bootstrapServers());
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /** Billing as separate processes (BillingMain), so that a kill is a real SIGKILL. */
    private static final class Children {
        private final Map<String, String> settings;
        private Process process;
        private int started;

        Children(Map<String, String> settings) { this.settings = settings; }

        void start(Path stateDir) throws Exception {
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), BillingMain.class.getName(),
                    "--api.key=billing-eos-test-api-key", "--http.host=127.0.0.1", "--http.port=0"));
            Map<String, String> s = new HashMap<>(settings);
            s.put("billing.state.dir", stateDir.toString());
            s.forEach((k, v) -> command.add("--" + k + "=" + v));
            File log = Path.of("target", "billing-eos-child-" + (++started) + ".log").toFile();
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
        }

        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor();
        }

        void stopGracefully() throws InterruptedException {
            process.destroy(); // SIGTERM: the shutdown hook closes the streams app
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        }

        void killQuietly() {
            if (process != null && process.isAlive()) process.destroyForcibly();
        }

        boolean deadLetterSeen(StackSupport kafka, String appId) {
            try (var letters = kafka.reader(Topics.DEAD_LETTERS.name(), Topics.DEAD_LETTERS.valueSerde(kafka.serdes).deserializer())) {
                return await().atMost(Duration.ofSeconds(10)).until(() -> letters.poll().values().stream()
                        .anyMatch((DeadLetter d) -> d.getService().equals(appId) && d.getReason().contains("Confluent wire format")),
                        found -> found);
            }
        }
    }
}
