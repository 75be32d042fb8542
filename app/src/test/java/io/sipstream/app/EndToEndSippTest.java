package io.sipstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.platform.config.Settings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path with a real SIP peer: SIPp callers authenticate with digest at the edge, the
 * router decides through Kafka, the call leaves on a trunk that is a SIPp UAS, and billing rates
 * it. Given accounts, numbers, passwords, a trunk, a rate deck and credits provisioned through
 * the REST API, when SIPp places a few hundred calls, then every call succeeds, the trunk sees
 * each caller's number in From and P-Asserted-Identity, and billing holds one CDR per answered
 * call, each as long as SIPp held it.
 */
@ExtendWith(LocalStackExtension.class)
class EndToEndSippTest {
    private static final String KEY = "e2e-test-api-key-0123456789";
    private static final String DOMAIN = "sipstream.local";
    private static final int ACCOUNTS = 5;
    private static final int CALLS = 300;
    private static final int RATE = 25;
    private static final int HOLD_MS = 300;

    private String base;
    private AdminApiClient api;

    @Test
    void shouldCarryAndBillEveryCallFromSippCallersToASippTrunk(LocalStack stack, @TempDir Path dir) throws Exception {
        assumeTrue(Sipp.binary() != null, "sipp is not installed, the end-to-end SIP test is not run: " + Sipp.INSTALL);

        String run = UUID.randomUUID().toString().substring(0, 8);
        int sipPort = Sipp.freeSipPort();
        int trunkPort = Sipp.freeUdpPort();
        try (Sipp trunk = Sipp.trunk(dir.resolve("trunk"), trunkPort);
             AllInOne all = AllInOne.start(settings(stack, dir, run, sipPort))) {
            base = "http://127.0.0.1:" + all.httpPort();
            api = new AdminApiClient(base, KEY);
            await("/healthz").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> api.status("/healthz") == 200);

            // Given: a trunk to the SIPp UAS, the default rate deck (per second), accounts with numbers and passwords
            String trunkId = "e2e-" + run;
            api.put("/v1/trunks/" + trunkId, "{\"host\": \"127.0.0.1\", \"port\": " + trunkPort + ", \"transport\": \"udp\"}");
            api.send("PUT", "/v1/ratedecks/default",
                    "prefix,price_per_minute,currency,first_increment,next_increment\n1,0.0100,USD,1,1\n", "text/csv");
            Map<String, String> callerIdByDialled = new HashMap<>();
            List<String> accounts = new ArrayList<>();
            StringBuilder injection = new StringBuilder("SEQUENTIAL\n");
            for (int i = 1; i <= ACCOUNTS; i++) {
                String account = "e2e-" + run + "-" + i;
                String callerId = "+1555300000" + i;
                String dialled = "+1555710000" + i;
                String password = "secret-" + run + "-" + i;
                api.put("/v1/accounts/" + account, "{\"displayName\": \"E2E " + i + "\", \"enabled\": true, \"region\": \"US\", "
                        + "\"defaultCallerId\": \"" + callerId + "\", \"outboundTrunk\": \"" + trunkId + "\", \"prepaid\": false}");
                api.put("/v1/accounts/" + account + "/numbers/" + callerId, "{}");
                api.put("/v1/accounts/" + account + "/password", "{\"password\": \"" + password + "\"}");
                api.send("POST", "/v1/accounts/" + account + "/credits", "{\"amount\": \"100.00\", \"currency\": \"USD\", "
                        + "\"idempotencyKey\": \"e2e-" + account + "\"}", "application/json");
                accounts.add(account);
                callerIdByDialled.put(dialled, callerId);
                injection.append(account).append(';').append(password).append(';').append(dialled).append('\n');
            }
            Path callers = Files.writeString(dir.resolve("callers.csv"), injection);

            // the router learns the accounts from the registry topics: call until a first call passes
            AtomicLong answered = new AtomicLong();
            int[] warmups = {0};
            await("a first call through the stack").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> {
                        Sipp.Result r = Sipp.call(dir.resolve("warmup-" + warmups[0]++), sipPort, callers, DOMAIN, 5, 1, HOLD_MS, 20);
                        answered.addAndGet(r.successful());
                        return r.exitCode() == 0;
                    });

            // When: a few hundred calls
            Sipp.Result result = Sipp.call(dir.resolve("calls"), sipPort, callers, DOMAIN, RATE, CALLS, HOLD_MS, 45);
            answered.addAndGet(result.successful());

            // Then: every call succeeded
            assertThat(result.exitCode()).as(result.describe()).isZero();
            assertThat(result.successful()).as(result.describe()).isEqualTo(CALLS);
            assertThat(result.failed()).as(result.describe()).isZero();

            // and the trunk leg carries the account's number as caller ID
            List<String[]> invites = trunk.invites();
            assertThat(invites).hasSizeGreaterThanOrEqualTo(CALLS);
            System.out.println("first INVITE on the trunk: " + String.join(" | ", invites.get(0)));
            for (String[] invite : invites) {
                String requestUri = invite[4];
                String dialled = callerIdByDialled.keySet().stream().filter(requestUri::contains).findFirst()
                        .orElseThrow(() -> new AssertionError("trunk INVITE to an unknown number: " + String.join("|", invite)));
                String expected = callerIdByDialled.get(dialled);
                assertThat(invite[2]).as("From of the trunk INVITE %s", invite[1]).contains(expected);
                assertThat(invite[3]).as("P-Asserted-Identity of the trunk INVITE %s", invite[1]).contains(expected);
            }

            // and billing holds exactly one CDR per answered call
            await("one CDR per answered call").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(() -> cdrTotal(accounts) >= answered.get());
            List<JsonNode> cdrs = cdrs(accounts);
            assertThat(cdrs).hasSize((int) answered.get());
            Set<String> callIds = new HashSet<>();
            long totalMillis = 0;
            for (JsonNode cdr : cdrs) {
                String callId = cdr.get("callId").asText();
                assertThat(callIds.add(callId)).as("one CDR for call %s", callId).isTrue();
                assertThat(cdr.get("disposition").asText()).as("disposition of %s", callId).isEqualTo("ANSWERED");
                long millis = cdr.get("durationMillis").asLong();
                // SIPp's pause runs on its loop's clock, which lags a little behind under load
                assertThat(millis).as("duration of %s", callId).isBetween(HOLD_MS - 100L, HOLD_MS + 5_000L);
                // the default deck bills by the second from the first second
                assertThat(cdr.get("billableSeconds").asLong()).as("billable seconds of %s (%d ms)", callId, millis)
                        .isEqualTo((millis + 999) / 1000);
                totalMillis += millis;
            }
            assertThat(totalMillis).as("billed time against the time SIPp held the calls")
                    .isGreaterThanOrEqualTo((long) (0.95 * answered.get() * HOLD_MS));
        }
    }

    private Settings settings(LocalStack stack, Path dir, String run, int sipPort) {
        Map<String, String> v = StackSettings.base(stack, "e2e-" + run, KEY, sipPort, DOMAIN, dir);
        // SIPp answers only the first challenge, and only with MD5
        v.put("edge.auth.algorithms", "MD5");
        return Settings.of(v);
    }

    private long cdrTotal(List<String> accounts) throws Exception {
        long total = 0;
        for (String account : accounts) total += api.get("/v1/accounts/" + account + "/cdrs?count=1").get("total").asLong();
        return total;
    }

    private List<JsonNode> cdrs(List<String> accounts) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String account : accounts) {
            int offset = 0;
            while (true) {
                JsonNode page = api.get("/v1/accounts/" + account + "/cdrs?offset=" + offset + "&count=1000");
                page.get("cdrs").forEach(out::add);
                offset += page.get("count").asInt();
                if (page.get("count").asInt() == 0 || offset >= page.get("total").asLong()) break;
            }
        }
        return out;
    }
}
