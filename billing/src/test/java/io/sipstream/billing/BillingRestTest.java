package io.sipstream.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sipstream.avro.Account;
import io.sipstream.avro.BlockDecision;
import io.sipstream.avro.CallEvent;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.platform.ServiceContext;
import io.sipstream.platform.config.Settings;
import io.sipstream.platform.health.HealthRegistry;
import io.sipstream.billing.api.RateDeckApi;
import io.sipstream.platform.http.AdminServer;
import io.sipstream.platform.http.OpenApiAssertions;
import io.sipstream.platform.http.Json;
import io.sipstream.schemas.Money;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** The REST API of a billing service running against the local stack. */
@ExtendWith(LocalStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BillingRestTest {
    private static final String KEY = "billing-rest-test-api-key";

    private StackSupport kafka;
    private AdminServer admin;
    private BillingService billing;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String deck = StackSupport.unique("deck");

    @BeforeAll
    void start(LocalStack stack) {
        kafka = new StackSupport(stack);
        Map<String, String> settings = kafka.billingSettings(StackSupport.unique("billing-rest"), StackSupport.tempDir("billing-rest"));
        HealthRegistry health = new HealthRegistry();
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        admin = new AdminServer("127.0.0.1", 0, KEY, health, metrics);
        ServiceContext ctx = new ServiceContext(Settings.of(settings), admin, health, metrics);
        billing = BillingService.start(BillingConfig.from(ctx.settings()), ctx);
        admin.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> call("GET", "/healthz", null).statusCode() == 200);
    }

    @AfterAll
    void stop() {
        if (billing != null) billing.close();
        if (admin != null) admin.close();
        if (kafka != null) kafka.close();
    }

    @Test
    void shouldReplaceARateDeckFromCsvAndRefuseBadCsvNamingLineAndColumn() throws Exception {
        var put = call("PUT", "/v1/ratedecks/" + deck, "prefix,price_per_minute,currency,first_increment,next_increment\n"
                + "1,0.60,USD,60,60\n1555,0.90,USD,60,60,0.10\n");
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(json(put).get("rows").asInt()).isEqualTo(2);
        String etag = put.headers().firstValue("ETag").orElseThrow();

        var replaced = call("PUT", "/v1/ratedecks/" + deck, "1,0.60,USD,60,60\n", Map.of("If-Match", etag));
        assertThat(replaced.statusCode()).isEqualTo(200);
        assertThat(json(replaced).get("removed").asInt()).isEqualTo(1);
        var got = call("GET", "/v1/ratedecks/" + deck, null);
        assertThat(json(got).get("rates")).hasSize(1);
        assertThat(json(got).get("rates").get(0).get("pricePerMinute").asText()).isEqualTo("0.600000");

        // downloaded as CSV, the deck uploads again unchanged
        var asCsv = call("GET", "/v1/ratedecks/" + deck, null, Map.of("Accept", "text/csv"));
        assertThat(asCsv.statusCode()).isEqualTo(200);
        assertThat(asCsv.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/csv"));
        assertThat(asCsv.body()).isEqualTo("prefix,price_per_minute,currency,first_increment,next_increment,connection_fee\n"
                + "1,0.600000,USD,60,60,0.000000\n");
        String current = replaced.headers().firstValue("ETag").orElseThrow();
        assertThat(asCsv.headers().firstValue("ETag")).contains(current);
        var reloaded = call("PUT", "/v1/ratedecks/" + deck, asCsv.body(), Map.of("If-Match", current, "Content-Type", "text/csv"));
        assertThat(reloaded.statusCode()).isEqualTo(200);
        assertThat(json(reloaded).get("written").asInt()).as("no row differs").isZero();
        assertThat(json(reloaded).get("removed").asInt()).isZero();
        assertThat(reloaded.headers().firstValue("ETag")).contains(current);

        var stale = call("PUT", "/v1/ratedecks/" + deck, "1,0.70,USD,60,60\n", Map.of("If-Match", etag));
        assertThat(stale.statusCode()).isEqualTo(412);

        var bad = call("PUT", "/v1/ratedecks/" + deck, "1,0.60,USD,60,60\n44,0,60,USD,60,60\n");
        assertThat(bad.statusCode()).isEqualTo(422);
        assertThat(json(bad).get("field").asText()).isEqualTo("line 2, column 3 (currency)");
        var badPrice = call("PUT", "/v1/ratedecks/" + deck, "1,0.60,USD,60,60\n44,cheap,USD,60,60\n");
        assertThat(badPrice.statusCode()).isEqualTo(422);
        assertThat(json(badPrice).get("field").asText()).isEqualTo("line 2, column 2 (price_per_minute)");
        assertThat(json(badPrice).get("error").asText()).contains("'cheap' is not a decimal number");
        assertThat(call("PUT", "/v1/ratedecks/bad:id", "1,0.60,USD,60,60\n").statusCode()).isEqualTo(400);
        assertThat(call("GET", "/v1/ratedecks/" + deck, null, Map.of("Authorization", "Bearer wrong-key-wrong-key"))
                .statusCode()).isEqualTo(403);
    }

    @Test
    void shouldTakeAnAToZDeckOfTensOfThousandsOfRowsOverTheDefaultBodyLimit() throws Exception {
        StringBuilder csv = new StringBuilder("prefix,price_per_minute,currency,first_increment,next_increment\n");
        int rows = 45_000; // an A-Z deck: 1.1 MB, over the 1,000,000 bytes of a route without a limit of its own
        for (int i = 0; i < rows; i++) csv.append(1_000_000 + i).append(",0.0100,USD,60,60\n");
        assertThat(csv.length()).isGreaterThan((int) AdminServer.MAX_BODY_BYTES).isLessThan((int) RateDeckApi.MAX_DECK_BYTES);

        var put = call("PUT", "/v1/ratedecks/" + StackSupport.unique("az"), csv.toString(), Map.of("Content-Type", "text/csv"));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(json(put).get("rows").asInt()).isEqualTo(rows);
    }

    @Test
    void shouldApplyACreditOnceAndSayWhetherItWasNew() throws Exception {
        String account = issued(StackSupport.unique("acc"));
        String body = "{\"amount\": \"10.00\", \"currency\": \"USD\", \"idempotencyKey\": \"topup-1\"}";
        var first = call("POST", "/v1/accounts/" + account + "/credits", body);
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(json(first).get("new").asBoolean()).isTrue();
        assertThat(json(first).get("balance").asText()).isEqualTo("10.000000");

        var again = call("POST", "/v1/accounts/" + account + "/credits", body);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json(again).get("new").asBoolean()).isFalse();
        assertThat(json(again).get("balance").asText()).isEqualTo("10.000000");

        var conflict = call("POST", "/v1/accounts/" + account + "/credits",
                "{\"amount\": \"11.00\", \"currency\": \"USD\", \"idempotencyKey\": \"topup-1\"}");
        assertThat(conflict.statusCode()).isEqualTo(409);

        assertBadCredit(account, "{\"amount\": \"ten\", \"currency\": \"USD\", \"idempotencyKey\": \"k\"}", "amount");
        assertBadCredit(account, "{\"amount\": \"0\", \"currency\": \"USD\", \"idempotencyKey\": \"k\"}", "amount");
        assertBadCredit(account, "{\"currency\": \"USD\", \"idempotencyKey\": \"k\"}", "amount");
        assertBadCredit(account, "{\"amount\": \"1.00\", \"currency\": \"dollars\", \"idempotencyKey\": \"k\"}", "currency");
        assertBadCredit(account, "{\"amount\": \"1.00\", \"currency\": \"USD\"}", "idempotencyKey");
        assertBadCredit(account, "{\"amount\": \"1.00\", \"currency\": \"USD\", \"idempotencyKey\": \"k\", \"x\": 1}", "x");
        assertThat(call("POST", "/v1/accounts/" + account + "/credits", "not json").statusCode()).isEqualTo(400);

        var euro = call("POST", "/v1/accounts/" + account + "/credits",
                "{\"amount\": \"5.00\", \"currency\": \"EUR\", \"idempotencyKey\": \"eur-1\"}");
        assertThat(euro.statusCode()).isEqualTo(422);
        assertThat(json(euro).get("field").asText()).isEqualTo("currency");
    }

    @Test
    void shouldTakeACreditsIdempotencyKeyFromTheIdempotencyKeyHeader() throws Exception {
        String account = issued(StackSupport.unique("acc"));
        String path = "/v1/accounts/" + account + "/credits";
        String body = "{\"amount\": \"3.00\", \"currency\": \"USD\"}";
        var first = call("POST", path, body, Map.of("Idempotency-Key", "hdr-1"));
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(json(first).get("idempotencyKey").asText()).isEqualTo("hdr-1");

        // the same key, in the header or in the body: one credit
        var again = call("POST", path, body, Map.of("Idempotency-Key", "\"hdr-1\""));
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json(again).get("new").asBoolean()).isFalse();
        var inBody = call("POST", path, "{\"amount\": \"3.00\", \"currency\": \"USD\", \"idempotencyKey\": \"hdr-1\"}");
        assertThat(inBody.statusCode()).isEqualTo(200);
        assertThat(json(inBody).get("balance").asText()).isEqualTo("3.000000");

        var differ = call("POST", path, "{\"amount\": \"3.00\", \"currency\": \"USD\", \"idempotencyKey\": \"a\"}",
                Map.of("Idempotency-Key", "b"));
        assertThat(differ.statusCode()).isEqualTo(400);
        assertThat(json(differ).get("field").asText()).isEqualTo("Idempotency-Key");
        var empty = call("POST", path, body, Map.of("Idempotency-Key", " "));
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(json(empty).get("field").asText()).isEqualTo("Idempotency-Key");
    }

    @Test
    void shouldDocumentEveryRouteOfTheBillingServer() throws Exception {
        var doc = call("GET", "/v1/openapi.json", null);
        assertThat(doc.statusCode()).isEqualTo(200);
        OpenApiAssertions.assertCompleteAndValid(admin, doc.body());
        assertThat(json(doc).path("paths").has("/v1/cdrs")).isTrue();
        assertThat(json(doc).path("paths").has("/v1/trunks")).as("the registry's routes are not on billing's server").isFalse();
    }

    @Test
    void shouldRefuseCreditsForAnAccountTheRegistryNeverIssued() throws Exception {
        var unknown = call("POST", "/v1/accounts/" + StackSupport.unique("never") + "/credits",
                "{\"amount\": \"10.00\", \"currency\": \"USD\", \"idempotencyKey\": \"k1\"}");
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
        assertThat(json(unknown).get("error").asText()).contains("the registry has not issued it");

        // an account issued while its first credit is on its way: the credit waits for it
        String late = StackSupport.unique("late");
        var pending = http.sendAsync(HttpRequest.newBuilder(URI.create(admin.url().replace("0.0.0.0", "127.0.0.1")
                        + "/v1/accounts/" + late + "/credits")).header("Authorization", "Bearer " + KEY)
                .POST(HttpRequest.BodyPublishers.ofString("{\"amount\": \"1.00\", \"currency\": \"USD\", \"idempotencyKey\": \"k1\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        Thread.sleep(500);
        issued(late);
        var applied = pending.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(applied.statusCode()).as(applied.body()).isEqualTo(201);
    }

    @Test
    void shouldRefundNoMoreThanTheCreditsReceivedUnlessTheDebitIsAnAdjustment() throws Exception {
        String account = issued(StackSupport.unique("refund"));
        assertThat(credit(account, "10.00", "k1", null).statusCode()).isEqualTo(201);
        var refund = credit(account, "-4.00", "r1", null);
        assertThat(refund.statusCode()).as(refund.body()).isEqualTo(201);
        assertThat(json(refund).get("balance").asText()).isEqualTo("6.000000");

        var tooMuch = credit(account, "-6.01", "r2", null);
        assertThat(tooMuch.statusCode()).as(tooMuch.body()).isEqualTo(422);
        assertThat(json(tooMuch).get("field").asText()).isEqualTo("amount");
        assertThat(json(tooMuch).get("error").asText()).contains("refund of 6.010000 USD refused");

        var adjustment = credit(account, "-7.00", "a1", "adjustment");
        assertThat(adjustment.statusCode()).as(adjustment.body()).isEqualTo(201);
        assertThat(json(adjustment).get("balance").asText()).isEqualTo("-1.000000");
        assertBadCredit(account, "{\"amount\": \"-1\", \"currency\": \"USD\", \"idempotencyKey\": \"t\", \"type\": \"gift\"}", "type");
    }

    @Test
    void shouldRefuseAnAmountOutOfRangeWithoutWritingItOut() throws Exception {
        String account = StackSupport.unique("huge");
        // eleven characters of JSON whose plain decimal form is a billion characters long
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            assertBadCredit(account, "{\"amount\": 1e999999999, \"currency\": \"USD\", \"idempotencyKey\": \"k\"}", "amount");
            assertBadCredit(account, "{\"amount\": -1e999999999, \"currency\": \"USD\", \"idempotencyKey\": \"k\"}", "amount");
            assertBadCredit(account, "{\"amount\": 1e-999999999, \"currency\": \"USD\", \"idempotencyKey\": \"k\"}", "amount");
            assertBadCredit(account, "{\"amount\": \"" + "9".repeat(500_000) + "\", \"currency\": \"USD\", \"idempotencyKey\": \"k\"}",
                    "amount");
        });
        assertThat(call("GET", "/healthz", null).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldExportTheCdrsOfATimeWindowInPagesOrAsCsv() throws Exception {
        String account = StackSupport.unique("export");
        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(3000);
        // three calls ending at start + 62 s, + 182 s and + 302 s; the second's id has a comma and a quote
        List<String> ids = List.of(account + "-1", account + "-2,\"x\"", account + "-3");
        for (int i = 0; i < 3; i++) {
            for (CallEvent e : CallEvents.answered(account, ids.get(i), "+15551234567", start.plusSeconds(120L * i), 60_000)) {
                kafka.send(e);
            }
        }
        kafka.flush();
        String window = "from=" + start + "&to=" + start.plusSeconds(400);
        await().atMost(Duration.ofSeconds(30)).until(() -> json(call("GET", "/v1/cdrs?account=" + account + "&" + window, null))
                .get("items").size() == 3);

        // pages of two: the boundary falls after the second, the last page says there is no next
        JsonNode first = json(call("GET", "/v1/cdrs?account=" + account + "&limit=2&" + window, null));
        assertThat(first.get("items").findValuesAsText("callId")).containsExactly(ids.get(0), ids.get(1));
        assertThat(first.get("next").isTextual()).isTrue();
        JsonNode second = json(call("GET", "/v1/cdrs?account=" + account + "&limit=2&" + window + "&cursor=" + first.get("next").asText(), null));
        assertThat(second.get("items").findValuesAsText("callId")).containsExactly(ids.get(2));
        assertThat(second.get("next").isNull()).isTrue();

        // the window: from inclusive, to exclusive, by the end of the call; across accounts ours are in order among the rest
        String middle = "from=" + start.plusSeconds(182) + "&to=" + start.plusSeconds(302);
        assertThat(json(call("GET", "/v1/cdrs?account=" + account + "&" + middle, null)).get("items").findValuesAsText("callId"))
                .containsExactly(ids.get(1));
        List<String> everyone = new java.util.ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = json(call("GET", "/v1/cdrs?limit=1&" + window + (cursor == null ? "" : "&cursor=" + cursor), null));
            assertThat(page.get("items").size()).isLessThanOrEqualTo(1);
            page.get("items").forEach(item -> everyone.add(item.get("callId").asText()));
            cursor = page.get("next").isNull() ? null : page.get("next").asText();
        } while (cursor != null);
        assertThat(everyone.stream().filter(ids::contains)).containsExactlyElementsOf(ids);

        // CSV: a header row, one row per CDR, the comma and the quote quoted as RFC 4180 has it
        var csv = call("GET", "/v1/cdrs?account=" + account + "&" + window, null, Map.of("Accept", "text/csv"));
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/csv"));
        List<String> lines = csv.body().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).startsWith("callId,accountId,direction,callerId,destination,trunkId,startedAt,");
        assertThat(lines.get(2)).startsWith("\"" + account + "-2,\"\"x\"\"\"," + account + ",OUTBOUND,");
        var rows = new com.fasterxml.jackson.dataformat.csv.CsvMapper().readerForListOf(String.class)
                .with(com.fasterxml.jackson.dataformat.csv.CsvParser.Feature.WRAP_AS_ARRAY).readValues(csv.body()).readAll();
        assertThat(rows).hasSize(4);
        assertThat(((List<?>) rows.get(2)).get(0)).isEqualTo(ids.get(1));

        assertBadQuery("/v1/cdrs?from=yesterday", "from");
        assertBadQuery("/v1/cdrs?from=" + start.plusSeconds(10) + "&to=" + start, "from");
        assertBadQuery("/v1/cdrs?limit=1001", "limit");
        assertBadQuery("/v1/cdrs?cursor=bm90LWEtY3Vyc29y", "cursor");
        assertBadQuery("/v1/cdrs?account=a%7Cb", "account");
    }

    @Test
    void shouldListCdrsNewestFirstAndUsageWithTheBalance() throws Exception {
        String account = StackSupport.unique("cdr");
        String cdrDeck = StackSupport.unique("cdrdeck");
        var put = call("PUT", "/v1/ratedecks/" + cdrDeck, "1,0.60,USD,60,60\n");
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(json(put).get("applied").asBoolean()).as("PUT answers once billing rates with the deck").isTrue();
        kafka.send(Account.newBuilder().setAccountId(account).setSipUsername(account).setSipDomain("d")
                .setRateDeckId(cdrDeck).build());
        kafka.flush();
        assertThat(call("POST", "/v1/accounts/" + account + "/credits",
                "{\"amount\": \"5.00\", \"currency\": \"USD\", \"idempotencyKey\": \"k1\"}").statusCode()).isEqualTo(201);

        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(600);
        for (int i = 0; i < 5; i++) {
            for (CallEvent e : CallEvents.answered(account, account + "-call-" + i, "+15551234567", start.plusSeconds(60L * i),
                    60_000L * (i + 1))) {
                kafka.send(e);
            }
        }
        kafka.flush();
        await().atMost(Duration.ofSeconds(30)).until(() -> json(call("GET", "/v1/accounts/" + account + "/cdrs", null))
                .get("total").asInt() == 5);

        JsonNode page = json(call("GET", "/v1/accounts/" + account + "/cdrs?offset=1&count=2", null));
        assertThat(page.get("total").asInt()).isEqualTo(5);
        assertThat(page.get("rated").asInt()).isEqualTo(5);
        assertThat(page.get("cdrs")).hasSize(2);
        assertThat(page.get("cdrs").get(0).get("callId").asText()).isEqualTo(account + "-call-3");
        assertThat(page.get("cdrs").get(1).get("callId").asText()).isEqualTo(account + "-call-2");
        assertThat(page.get("cdrs").get(0).get("cost").asText()).isEqualTo("2.400000");
        assertThat(page.get("cdrs").get(0).get("disposition").asText()).isEqualTo("ANSWERED");

        JsonNode usage = json(call("GET", "/v1/accounts/" + account + "/usage", null));
        // 1 + 2 + 3 + 4 + 5 minutes at 0.60 = 9.00
        assertThat(usage.get("balance").asText()).isEqualTo("-4.000000");
        assertThat(usage.get("blocked").asBoolean()).isFalse();
        JsonNode months = usage.get("periods").get("MONTH");
        long monthCalls = 0;
        for (JsonNode m : months) monthCalls += m.get("calls").asLong();
        assertThat(monthCalls).isEqualTo(5);
        BigDecimalSum total = new BigDecimalSum();
        for (JsonNode m : months) total.add(m.get("cost").asText());
        assertThat(total.value).isEqualByComparingTo("9.00");

        assertBadQuery("/v1/accounts/" + account + "/cdrs?offset=-1", "offset");
        assertBadQuery("/v1/accounts/" + account + "/cdrs?offset=x", "offset");
        assertBadQuery("/v1/accounts/" + account + "/cdrs?count=0", "count");
        assertBadQuery("/v1/accounts/" + account + "/cdrs?count=100000", "count");
        assertBadQuery("/v1/accounts/" + account + "/usage?period=WEEK", "period");
        assertBadQuery("/v1/accounts/a%7Cb/usage", "id");
        JsonNode none = json(call("GET", "/v1/accounts/" + StackSupport.unique("nobody") + "/cdrs", null));
        assertThat(none.get("total").asInt()).isZero();
        assertThat(call("GET", "/metrics", null).body()).contains("sipstream_billing_credits_total");
    }

    @Test
    void shouldBlockALiveCallFromItsInterimEventsBeforeItEnds() throws Exception {
        String account = StackSupport.unique("live");
        String liveDeck = StackSupport.unique("livedeck");
        assertThat(call("PUT", "/v1/ratedecks/" + liveDeck, "1,1.00,USD,60,60\n").statusCode()).isEqualTo(200);
        kafka.send(Account.newBuilder().setAccountId(account).setSipUsername(account).setSipDomain("d")
                .setPrepaid(true).setRateDeckId(liveDeck).build());
        kafka.flush();
        try (var blocks = kafka.blockReader()) {
            await().atMost(Duration.ofSeconds(20)).until(() -> blocked(blocks, account) == Boolean.TRUE);
            assertThat(call("POST", "/v1/accounts/" + account + "/credits",
                    "{\"amount\": \"3.00\", \"currency\": \"USD\", \"idempotencyKey\": \"k1\"}").statusCode()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(20)).until(() -> blocked(blocks, account) == Boolean.FALSE);

            Instant start = Instant.now().minusSeconds(300);
            var events = CallEvents.answered(account, "live-1", "+15551234567", start, 0);
            kafka.send(events.get(0));
            kafka.send(events.get(1));
            kafka.send(CallEvents.interim(account, "live-1", "+15551234567", start, 1, 60_000));
            kafka.send(CallEvents.interim(account, "live-1", "+15551234567", start, 2, 120_000));
            kafka.flush();
            await().atMost(Duration.ofSeconds(20)).until(() -> "1.000000".equals(balance(blocks, account)));
            assertThat(blocked(blocks, account)).isFalse();

            kafka.send(CallEvents.interim(account, "live-1", "+15551234567", start, 3, 150_000));
            kafka.flush();
            await().atMost(Duration.ofSeconds(20)).until(() -> blocked(blocks, account) == Boolean.TRUE);
            BlockDecision decision = blocks.latest().get(account);
            assertThat(decision.getLiveCalls()).isEqualTo(1);
            assertThat(decision.getBalance()).isEqualTo(Money.ZERO);
            assertThat(decision.getReason()).contains("prepaid balance spent");
            try (var cdrs = kafka.cdrReader()) {
                assertThat(kafka.cdrsOf(cdrs, Set.of(account))).as("the call has not ended").isEmpty();
            }
        }
    }

    private static Boolean blocked(StackSupport.Reader<BlockDecision> blocks, String account) {
        BlockDecision d = blocks.poll().latest().get(account);
        return d == null ? null : d.getBlocked();
    }

    private static String balance(StackSupport.Reader<BlockDecision> blocks, String account) {
        BlockDecision d = blocks.poll().latest().get(account);
        return d == null ? null : d.getBalance().toPlainString();
    }

    private static final class BigDecimalSum {
        java.math.BigDecimal value = java.math.BigDecimal.ZERO;

        void add(String amount) { value = value.add(new java.math.BigDecimal(amount)); }
    }

    /** An account as the registry publishes it: billing credits only accounts it issued. */
    private String issued(String account) {
        kafka.send(Account.newBuilder().setAccountId(account).setSipUsername(account).setSipDomain("d").build());
        kafka.flush();
        return account;
    }

    private HttpResponse<String> credit(String account, String amount, String key, String type) throws Exception {
        return call("POST", "/v1/accounts/" + account + "/credits", "{\"amount\": \"" + amount + "\", \"currency\": \"USD\", "
                + "\"idempotencyKey\": \"" + key + "\"" + (type == null ? "" : ", \"type\": \"" + type + "\"") + "}");
    }

    private void assertBadCredit(String account, String body, String field) throws Exception {
        var response = call("POST", "/v1/accounts/" + account + "/credits", body);
        assertThat(response.statusCode()).as(body).isEqualTo(400);
        assertThat(json(response).get("field").asText()).as(body).isEqualTo(field);
    }

    private void assertBadQuery(String path, String field) throws Exception {
        var response = call("GET", path, null);
        assertThat(response.statusCode()).as(path).isEqualTo(400);
        assertThat(json(response).get("field").asText()).as(path).isEqualTo(field);
    }

    private HttpResponse<String> call(String method, String path, String body) throws IOException, InterruptedException {
        return call(method, path, body, Map.of());
    }

    private HttpResponse<String> call(String method, String path, String body, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(admin.url().replace("0.0.0.0", "127.0.0.1") + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        request.header("Authorization", "Bearer " + KEY);
        headers.forEach(request::setHeader);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return Json.MAPPER.readTree(response.body());
    }
}
