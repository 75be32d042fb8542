package io.sipstream.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sipstream.avro.Account;
import io.sipstream.avro.CallerIdFormat;
import io.sipstream.avro.DialPlanRuleType;
import io.sipstream.avro.DiversionHeader;
import io.sipstream.avro.NumberAssignment;
import io.sipstream.avro.Transport;
import io.sipstream.avro.Trunk;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.schemas.Topics;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every change reaches the compacted registry topics as Avro, deletes as tombstones, secrets never. */
@ExtendWith(LocalStackExtension.class)
class PublishingTest {
    static TestRegistry r;

    @BeforeAll
    static void start() {
        r = SharedRegistry.get();
    }

    @Test
    void shouldPublishAccountsNumbersAndTrunksAndTombstoneDeletes() {
        // Given a trunk with credentials, an account with a number, a password and a dial plan
        assertThat(r.put("/v1/trunks/pub-t1", """
                {"host": "10.0.0.5", "port": 5080, "transport": "tcp", "callerIdFormat": "national", "allowedCidrs": ["0.0.0.0/0"],
                 "allowAnySource": true, "register": true, "username": "pub-user", "password": "Pub-Trunk-Secret"}""").statusCode()).isEqualTo(201);
        assertThat(r.put("/v1/accounts/pub1", """
                {"displayName": "Pub", "region": "US", "defaultCallerId": "+15554440001", "outboundTrunk": "pub-t1",
                 "creditLimit": "25.5", "maxCallsPerSecond": 3}""").statusCode()).isEqualTo(201);
        assertThat(r.put("/v1/accounts/pub1/numbers/%2B15554440001", null).statusCode()).isEqualTo(201);
        assertThat(r.put("/v1/accounts/pub1/numbers/%2B15554440002", null).statusCode()).isEqualTo(201);
        assertThat(r.put("/v1/accounts/pub1/password", "{\"password\": \"Pub-Sip-Secret\"}").statusCode()).isEqualTo(201);
        assertThat(r.put("/v1/accounts/pub1/dialplan",
                "{\"rules\": [{\"type\": \"prefix\", \"pattern\": \"011.\", \"strip\": 3, \"prepend\": \"+\", \"trunks\": [\"pub-t1\"]}]}")
                .statusCode()).isEqualTo(200);
        long version = TestRegistry.json(r.get("/v1/accounts/pub1")).get("version").asLong();

        // Then the topics hold them
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Account account = r.topic(Topics.REGISTRY_ACCOUNTS).get("pub1");
            assertThat(account).isNotNull();
            assertThat(account.getVersion()).isEqualTo(version);
            assertThat(account.getSipDomain()).isEqualTo("test.sipstream");
            assertThat(account.getNumbers()).containsExactly("+15554440001", "+15554440002");
            assertThat(account.getCreditLimit()).isEqualByComparingTo(new BigDecimal("25.5"));
            assertThat(account.getDialPlan()).hasSize(1);
            assertThat(account.getDialPlan().get(0).getType()).isEqualTo(DialPlanRuleType.PREFIX);
            NumberAssignment number = r.topic(Topics.REGISTRY_NUMBERS).get("+15554440002");
            assertThat(number).isNotNull();
            assertThat(number.getAccountId()).isEqualTo("pub1");
            assertThat(number.getRegion()).isEqualTo("US");
            Trunk trunk = r.topic(Topics.REGISTRY_TRUNKS).get("pub-t1");
            assertThat(trunk).isNotNull();
            assertThat(trunk.getTransport()).isEqualTo(Transport.TCP);
            assertThat(trunk.getCallerIdFormat()).isEqualTo(CallerIdFormat.NATIONAL);
            assertThat(trunk.getHasCredentials()).isTrue();
            assertThat(trunk.getRegister()).isTrue();
            assertThat(trunk.getAllowAnySource()).isTrue();
            assertThat(trunk.getAllowedCidrs()).containsExactly("0.0.0.0/0");
        });

        // and no secret is on any topic
        for (String topic : new String[] {"registry.accounts", "registry.numbers", "registry.trunks"}) {
            Map<String, byte[]> records = r.rawTopic(topic);
            assertThat(records).isNotEmpty();
            for (Map.Entry<String, byte[]> e : records.entrySet()) {
                String text = new String(e.getValue(), StandardCharsets.ISO_8859_1);
                assertThat(text).doesNotContain("Pub-Trunk-Secret").doesNotContain("Pub-Sip-Secret").doesNotContain("v1:");
            }
        }

        // When the number, the account and the trunk go
        assertThat(r.delete("/v1/accounts/pub1/numbers/%2B15554440002").statusCode()).isEqualTo(204);
        assertThat(r.delete("/v1/accounts/pub1").statusCode()).isEqualTo(204);
        assertThat(r.delete("/v1/trunks/pub-t1").statusCode()).isEqualTo(204);

        // Then their latest records are tombstones
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(r.topic(Topics.REGISTRY_ACCOUNTS)).doesNotContainKey("pub1");
            assertThat(r.topic(Topics.REGISTRY_NUMBERS)).doesNotContainKeys("+15554440001", "+15554440002");
            assertThat(r.topic(Topics.REGISTRY_TRUNKS)).doesNotContainKey("pub-t1");
            assertThat(r.service.publisher().depth()).isZero();
        });
        assertThat(r.get("/healthz", "Authorization", null).body()).contains("registry.publisher").contains("registry.redis");
        assertThat(r.get("/healthz", "Authorization", null).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldPublishWhetherAPostpaidAccountMayCallUnratedDestinations() {
        assertThat(r.put("/v1/accounts/unrated1", "{\"allowUnratedCalls\": true}").statusCode()).isEqualTo(201);
        assertThat(TestRegistry.json(r.get("/v1/accounts/unrated1")).get("allowUnratedCalls").asBoolean()).isTrue();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(r.topic(Topics.REGISTRY_ACCOUNTS).get("unrated1").getAllowUnratedCalls()).isTrue());

        // a PUT without it takes the default: unrated destinations are refused
        assertThat(r.put("/v1/accounts/unrated1", "{}").statusCode()).isEqualTo(200);
        assertThat(TestRegistry.json(r.get("/v1/accounts/unrated1")).get("allowUnratedCalls").asBoolean()).isFalse();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(r.topic(Topics.REGISTRY_ACCOUNTS).get("unrated1").getAllowUnratedCalls()).isFalse());

        RegistryApiTest.assertError(r.put("/v1/accounts/unrated2", "{\"prepaid\": true, \"allowUnratedCalls\": true}"), 422,
                "allowUnratedCalls", "postpaid");
        RegistryApiTest.assertError(r.put("/v1/accounts/unrated2", "{\"allowUnratedCalls\": \"yes\"}"), 400,
                "allowUnratedCalls", "true or false");
    }

    @Test
    void shouldPublishTheBusyUnavailableAndFailureTargetsOfAnAccount() {
        assertThat(r.put("/v1/accounts/fwd1", """
                {"region": "US", "busyTarget": "sip:busy@vm.example.com", "unavailableTarget": "(212) 555-0199"}""").statusCode())
                .isEqualTo(201);
        var shown = TestRegistry.json(r.get("/v1/accounts/fwd1"));
        assertThat(shown.get("busyTarget").asText()).isEqualTo("sip:busy@vm.example.com");
        assertThat(shown.get("unavailableTarget").asText()).as("a number is stored in E.164").isEqualTo("+12125550199");
        assertThat(shown.has("failureTarget")).as("unset: not stored").isFalse();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Account a = r.topic(Topics.REGISTRY_ACCOUNTS).get("fwd1");
            assertThat(a.getBusyTarget()).isEqualTo("sip:busy@vm.example.com");
            assertThat(a.getUnavailableTarget()).isEqualTo("+12125550199");
            assertThat(a.getFailureTarget()).isNull();
        });
        RegistryApiTest.assertError(r.put("/v1/accounts/fwd2", "{\"failureTarget\": \"not a number\"}"), 422, "failureTarget", "");
    }

    @Test
    void shouldPublishATrunksOptionsIntervalWithItsDefault() {
        assertThat(r.put("/v1/trunks/opt-t1", "{\"host\": \"198.51.100.9\"}").statusCode()).isEqualTo(201);
        assertThat(TestRegistry.json(r.get("/v1/trunks/opt-t1")).get("optionsInterval").asInt()).isEqualTo(30);
        assertThat(r.put("/v1/trunks/opt-t2", "{\"host\": \"198.51.100.9\", \"optionsInterval\": 0}").statusCode()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(r.topic(Topics.REGISTRY_TRUNKS).get("opt-t1").getOptionsInterval()).isEqualTo(30);
            assertThat(r.topic(Topics.REGISTRY_TRUNKS).get("opt-t2").getOptionsInterval()).isZero();
        });
        RegistryApiTest.assertError(r.put("/v1/trunks/opt-t3", "{\"host\": \"h\", \"optionsInterval\": -1}"), 422,
                "optionsInterval", "between");
    }

    @Test
    void shouldPublishATrunksDiversionHeaderWithItsDefault() {
        assertThat(r.put("/v1/trunks/div-t1", "{\"host\": \"198.51.100.9\"}").statusCode()).isEqualTo(201);
        assertThat(TestRegistry.json(r.get("/v1/trunks/div-t1")).get("diversionHeader").asText()).isEqualTo("diversion");
        assertThat(r.put("/v1/trunks/div-t2", "{\"host\": \"198.51.100.9\", \"diversionHeader\": \"History-Info\"}").statusCode()).isEqualTo(201);
        assertThat(r.put("/v1/trunks/div-t3", "{\"host\": \"198.51.100.9\", \"diversionHeader\": \"both\"}").statusCode()).isEqualTo(201);
        assertThat(TestRegistry.json(r.get("/v1/trunks/div-t2")).get("diversionHeader").asText()).isEqualTo("history-info");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(r.topic(Topics.REGISTRY_TRUNKS).get("div-t1").getDiversionHeader()).isEqualTo(DiversionHeader.DIVERSION);
            assertThat(r.topic(Topics.REGISTRY_TRUNKS).get("div-t2").getDiversionHeader()).isEqualTo(DiversionHeader.HISTORY_INFO);
            assertThat(r.topic(Topics.REGISTRY_TRUNKS).get("div-t3").getDiversionHeader()).isEqualTo(DiversionHeader.BOTH);
        });
        RegistryApiTest.assertError(r.put("/v1/trunks/div-t4", "{\"host\": \"h\", \"diversionHeader\": \"history_info\"}"), 422,
                "diversionHeader", "diversion, history-info or both");
        RegistryApiTest.assertError(r.put("/v1/trunks/div-t4", "{\"host\": \"h\", \"diversionHeader\": 1}"), 400, "diversionHeader", "");
    }

    @Test
    void shouldPublishTheAccountsEmergencyTrunk() {
        assertThat(r.put("/v1/accounts/sos1", "{\"emergencyTrunk\": \"psap-1\"}").statusCode()).isEqualTo(201);
        assertThat(TestRegistry.json(r.get("/v1/accounts/sos1")).get("emergencyTrunk").asText()).isEqualTo("psap-1");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(r.topic(Topics.REGISTRY_ACCOUNTS).get("sos1").getEmergencyTrunk()).isEqualTo("psap-1"));

        // a PUT without it takes the default: none, shown as null and not stored
        assertThat(r.put("/v1/accounts/sos1", "{}").statusCode()).isEqualTo(200);
        assertThat(TestRegistry.json(r.get("/v1/accounts/sos1")).get("emergencyTrunk").isNull()).isTrue();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(r.topic(Topics.REGISTRY_ACCOUNTS).get("sos1").getEmergencyTrunk()).isNull());
        assertThat(r.redis.get(r.key("account:sos1"))).doesNotContain("emergencyTrunk");

        RegistryApiTest.assertError(r.put("/v1/accounts/sos2", "{\"emergencyTrunk\": \"no spaces\"}"), 422, "emergencyTrunk", "");
    }

    @Test
    void shouldNotLetAnUnreadableOutboxEntryBlockTheOnesBehindIt() {
        String outbox = r.key("registry:outbox");
        r.redis.rpush(outbox, "garbage without a sequence number");
        r.redis.rpush(outbox, r.redis.incr(r.key("registry:outbox:seq")) + "|{\"topic\":\"registry.accounts\",\"key\":\"poison\",\"value\":{\"id\":\"poison\"}}");
        assertThat(r.put("/v1/accounts/after-poison", "{}").statusCode()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(r.topic(Topics.REGISTRY_ACCOUNTS)).containsKey("after-poison").doesNotContainKey("poison");
            assertThat(r.redis.llen(outbox)).isZero();
        });
        assertThat(r.get("/metrics", "Authorization", null).body()).contains("sipstream_registry_outbox_dropped_total 2.0");
    }
}
