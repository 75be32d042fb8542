package io.sipstream.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipstream.avro.Account;
import io.sipstream.avro.CallEvent;
import io.sipstream.billing.api.AccountRouter;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.platform.ServiceContext;
import io.sipstream.platform.config.Settings;
import io.sipstream.platform.http.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Given two billing instances of one application (each its own admin server on port 0, state
 * directory and advertised URL), when accounts owned by either are credited and called through
 * either instance, then both instances answer the same usage and CDRs for every account: the
 * non-owner forwards to the owner, and a forwarded request is never forwarded again.
 */
@ExtendWith(LocalStackExtension.class)
class BillingInstancesTest {
    private static final String KEY = "billing-instances-test-api-key";
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldAnswerTheSameTotalsOnEveryInstanceForAccountsOwnedByEither(LocalStack stack) throws Exception {
        String appId = StackSupport.unique("billing-two");
        String deck = StackSupport.unique("twodeck");
        try (StackSupport kafka = new StackSupport(stack)) {
            Instance a = new Instance(kafka, appId, "a");
            Instance b = new Instance(kafka, appId, "b");
            try {
                a.ctx.admin().start(); // the streams start with their admin servers (advertised port 0)
                b.ctx.admin().start();
                await().atMost(Duration.ofSeconds(60)).until(() -> settled(a, b));

                // Given accounts owned by each instance, on a deck both instances rate with
                List<String> accounts = new ArrayList<>();
                int onA = 0, onB = 0;
                for (int i = 0; onA < 2 || onB < 2; i++) {
                    String id = StackSupport.unique("two" + i);
                    boolean ownedByA = a.owns(id);
                    if (ownedByA ? onA++ < 2 : onB++ < 2) accounts.add(id);
                }
                for (Instance instance : List.of(a, b)) {
                    var put = instance.call("PUT", "/v1/ratedecks/" + deck, "1,0.60,USD,60,60\n", Map.of());
                    assertThat(json(put).get("applied").asBoolean()).isTrue();
                }
                for (String id : accounts) {
                    kafka.send(Account.newBuilder().setAccountId(id).setSipUsername(id).setSipDomain("d").setRateDeckId(deck).build());
                }
                kafka.flush();

                // When each is credited through the instance that does not own it, and called
                for (String id : accounts) {
                    Instance other = a.owns(id) ? b : a;
                    // a 503 is what a client gets while the instances rebalance (a probing rebalance may follow the
                    // settling above): the refusal comes before the credit is sent, so the client retries it
                    var credit = retryWhileRebalancing(() -> other.call("POST", "/v1/accounts/" + id + "/credits",
                            "{\"amount\": \"10.00\", \"currency\": \"USD\", \"idempotencyKey\": \"k1\"}", Map.of()));
                    assertThat(credit.statusCode()).as(credit.body()).isEqualTo(201);
                    assertThat(json(credit).get("new").asBoolean()).isTrue();
                    assertThat(json(credit).get("balance").asText()).isEqualTo("10.000000");
                    var again = other.call("POST", "/v1/accounts/" + id + "/credits",
                            "{\"amount\": \"10.00\", \"currency\": \"USD\", \"idempotencyKey\": \"k1\"}", Map.of());
                    assertThat(again.statusCode()).isEqualTo(200);
                }
                Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(600);
                for (String id : accounts) {
                    for (CallEvent e : CallEvents.answered(id, id + "-c1", "+15551234567", start, 60_000)) kafka.send(e);
                    for (CallEvent e : CallEvents.answered(id, id + "-c2", "+15551234567", start.plusSeconds(120), 120_000)) {
                        kafka.send(e);
                    }
                }
                kafka.flush();

                // Then both instances answer the same totals for every account
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    for (String id : accounts) {
                        for (Instance instance : List.of(a, b)) {
                            JsonNode cdrs = json(instance.call("GET", "/v1/accounts/" + id + "/cdrs", null, Map.of()));
                            if (cdrs.path("total").asInt() != 2) return false;
                        }
                    }
                    return true;
                });
                for (String id : accounts) {
                    JsonNode usageA = json(a.call("GET", "/v1/accounts/" + id + "/usage?period=MONTH", null, Map.of()));
                    JsonNode usageB = json(b.call("GET", "/v1/accounts/" + id + "/usage?period=MONTH", null, Map.of()));
                    assertThat(usageA.get("balance").asText()).as(id).isEqualTo("8.200000"); // 10.00 - 3 minutes at 0.60
                    assertThat(usageA.get("periods").get("MONTH").get(0).get("calls").asInt()).isEqualTo(2);
                    assertThat(usageB).as("the same answer through either instance").isEqualTo(usageA);
                    JsonNode cdrsA = json(a.call("GET", "/v1/accounts/" + id + "/cdrs?count=5", null, Map.of()));
                    JsonNode cdrsB = json(b.call("GET", "/v1/accounts/" + id + "/cdrs?count=5", null, Map.of()));
                    assertThat(cdrsA.get("cdrs").findValuesAsText("callId")).containsExactly(id + "-c2", id + "-c1");
                    assertThat(cdrsB).isEqualTo(cdrsA);
                }

                // The export of every account merges both instances' partitions: the same pages through either
                String window = "from=" + start + "&to=" + start.plusSeconds(3600);
                for (Instance instance : List.of(a, b)) {
                    List<String> exported = new ArrayList<>();
                    String cursor = null;
                    do {
                        JsonNode page = json(instance.call("GET", "/v1/cdrs?limit=3&" + window + (cursor == null ? "" : "&cursor=" + cursor),
                                null, Map.of()));
                        assertThat(page.get("items").size()).isLessThanOrEqualTo(3);
                        page.get("items").forEach(item -> exported.add(item.get("callId").asText()));
                        cursor = page.get("next").isNull() ? null : page.get("next").asText();
                    } while (cursor != null);
                    List<String> expected = new ArrayList<>();
                    for (String id : accounts) expected.add(id + "-c1");
                    for (String id : accounts) expected.add(id + "-c2");
                    assertThat(exported.stream().filter(c -> accounts.stream().anyMatch(c::startsWith)).toList())
                            .as("every account's CDRs, oldest first, through %s", instance.url())
                            .containsExactlyInAnyOrderElementsOf(expected)
                            .satisfies(ids -> assertThat(ids.subList(0, accounts.size())).allMatch(c -> c.endsWith("-c1")));
                    var csv = instance.call("GET", "/v1/cdrs?" + window, null, Map.of("Accept", "text/csv"));
                    assertThat(csv.body().lines().filter(l -> accounts.stream().anyMatch(l::startsWith))).hasSize(expected.size());
                }

                // A forwarded request is served where it lands: on the non-owner it is refused, not sent on
                String ofA = accounts.stream().filter(a::owns).findFirst().orElseThrow();
                var landed = b.call("GET", "/v1/accounts/" + ofA + "/usage", null, Map.of(AccountRouter.FORWARDED_BY, "http://elsewhere:1"));
                assertThat(landed.statusCode()).isEqualTo(503);
                assertThat(json(landed).get("error").asText()).contains("not served by this instance");
                assertThat(b.call("GET", "/v1/accounts/" + ofA + "/usage", null, Map.of("Authorization", "Bearer wrong-key-wrong-key"))
                        .statusCode()).isEqualTo(403);

                // An owner that cannot be reached: 503 with the reason
                String aUrl = a.url();
                a.ctx.admin().close();
                var unreachable = b.call("GET", "/v1/accounts/" + ofA + "/usage", null, Map.of());
                assertThat(unreachable.statusCode()).isEqualTo(503);
                assertThat(json(unreachable).get("error").asText()).contains(aUrl).contains("cannot be reached");
            } finally {
                a.close();
                b.close();
            }
        }
    }

    private interface Call { HttpResponse<String> send() throws Exception; }

    /** The answer once it is not a rebalance's 503 ("retry shortly"), trying for at most 30 s. */
    private static HttpResponse<String> retryWhileRebalancing(Call call) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            HttpResponse<String> r = call.send();
            if (r.statusCode() != 503 || !r.body().contains("retry shortly") || System.nanoTime() > deadline) return r;
            Thread.sleep(200);
        }
    }

    /** Both instances run, agree on who owns what, and each owns some of the partitions. */
    private static boolean settled(Instance a, Instance b) {
        for (Instance i : List.of(a, b)) {
            KafkaStreams s = i.service.streams();
            if (s == null || s.state() != KafkaStreams.State.RUNNING) return false;
            var clients = s.metadataForAllStreamsClients();
            if (clients.size() != 2 || clients.stream().anyMatch(c -> c.topicPartitions().isEmpty())) return false;
        }
        Set<String> viewA = a.service.streams().metadataForAllStreamsClients().stream().map(BillingInstancesTest::describe)
                .collect(Collectors.toSet());
        Set<String> viewB = b.service.streams().metadataForAllStreamsClients().stream().map(BillingInstancesTest::describe)
                .collect(Collectors.toSet());
        return viewA.equals(viewB);
    }

    private static String describe(StreamsMetadata m) { return m.hostInfo() + " " + m.topicPartitions(); }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return Json.MAPPER.readTree(response.body());
    }

    private final class Instance implements AutoCloseable {
        final ServiceContext ctx;
        final BillingService service;

        Instance(StackSupport kafka, String appId, String name) {
            Map<String, String> settings = kafka.billingSettings(appId, StackSupport.tempDir("billing-two-" + name));
            settings.put("http.host", "127.0.0.1");
            settings.put("http.port", "0");
            settings.put("api.key", KEY);
            settings.put("billing.advertised.url", "http://127.0.0.1:0");
            ctx = ServiceContext.create(Settings.of(settings));
            service = BillingService.start(BillingConfig.from(ctx.settings()), ctx);
        }

        String url() { return "http://127.0.0.1:" + ctx.admin().port(); }

        boolean owns(String accountId) {
            return service.streams().queryMetadataForKey(StoreNames.BALANCES, accountId, new StringSerializer()).activeHost().port()
                    == ctx.admin().port();
        }

        HttpResponse<String> call(String method, String path, String body, Map<String, String> headers)
                throws IOException, InterruptedException {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(30))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            request.header("Authorization", "Bearer " + KEY);
            headers.forEach(request::setHeader);
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }

        @Override
        public void close() {
            service.close();
            ctx.admin().close();
        }
    }
}
