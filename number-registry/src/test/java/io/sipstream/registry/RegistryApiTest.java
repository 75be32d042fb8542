package io.sipstream.registry;

import static io.sipstream.registry.TestRegistry.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.platform.credentials.SipCredentials;
import io.sipstream.platform.secrets.SecretBox;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every endpoint of the admin API against the real Redis and Kafka of the local stack. */
@ExtendWith(LocalStackExtension.class)
class RegistryApiTest {
    static final String ACCOUNT = """
            {"displayName": "Alice", "enabled": true, "region": "US", "defaultCallerId": "+15551230001",
             "outboundTrunk": "t1", "prepaid": false}""";
    static TestRegistry r;

    @BeforeAll
    static void start() {
        r = SharedRegistry.get();
    }

    static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"); }

    /** The brief's account body with its own caller ID (a caller ID owned by another account is refused). */
    static String account(String callerId) { return ACCOUNT.replace("+15551230001", callerId); }

    static void assertError(HttpResponse<String> response, int status, String field, String reasonPart) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = json(response);
        assertThat(body.path("status").asInt()).isEqualTo(status);
        if (field != null) assertThat(body.path("field").asText()).isEqualTo(field);
        assertThat(body.path("error").asText()).containsIgnoringCase(reasonPart);
    }

    @Test
    void shouldKeepTheMediaModeOfTrunksAndAccountsAndRefuseAnyOther() {
        assertThat(json(r.put("/v1/trunks/media1", "{\"host\": \"h\", \"media\": \"Anchor\"}")).get("media").asText()).isEqualTo("anchor");
        assertThat(json(r.get("/v1/trunks/media1")).get("media").asText()).isEqualTo("anchor");
        assertThat(json(r.put("/v1/trunks/media2", "{\"host\": \"h\"}")).get("media").asText()).as("the default").isEqualTo("passthrough");
        assertError(r.put("/v1/trunks/media3", "{\"host\": \"h\", \"media\": \"relay\"}"), 422, "media", "passthrough, anchor or auto");

        assertThat(json(r.put("/v1/accounts/media1", account("+15551230191").replace("{", "{\"media\": \"auto\", "))).get("media").asText())
                .isEqualTo("auto");
        assertError(r.put("/v1/accounts/media2", "{\"media\": 1}"), 400, "media", "string");
        assertError(r.put("/v1/accounts/media2", "{\"media\": \"always\"}"), 422, "media", "passthrough, anchor or auto");
    }

    @Test
    void shouldRefuseRequestsWithoutTheRightApiKey() {
        assertThat(r.get("/v1/accounts/nobody", "Authorization", null).statusCode()).isEqualTo(401);
        assertThat(r.get("/v1/accounts/nobody", "Authorization", "Bearer wrong-key-wrong-key").statusCode()).isEqualTo(403);
        assertThat(r.put("/v1/trunks/x", "{}", "Authorization", "Basic abc").statusCode()).isEqualTo(401);
        assertThat(r.get("/healthz", "Authorization", null).statusCode()).isIn(200, 503);
        assertThat(r.get("/metrics", "Authorization", null).body()).contains("sipstream_registry_outbox_depth");
    }

    @Test
    void shouldCreateReadReplaceAndDeleteAnAccount() {
        HttpResponse<String> created = r.put("/v1/accounts/crud1", account("+15551230101"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String etag = created.headers().firstValue("ETag").orElseThrow();
        JsonNode body = json(created);
        assertThat(etag).isEqualTo("\"" + body.get("version").asLong() + "\"");
        assertThat(body.get("sipUsername").asText()).isEqualTo("crud1");
        assertThat(body.get("sipDomain").asText()).isEqualTo("test.sipstream");
        assertThat(body.get("defaultCallerId").asText()).isEqualTo("+15551230101");
        assertThat(body.get("noAnswerSeconds").asInt()).isEqualTo(25);

        HttpResponse<String> read = r.get("/v1/accounts/crud1");
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.headers().firstValue("ETag")).contains(etag);
        assertThat(json(read).get("displayName").asText()).isEqualTo("Alice");

        HttpResponse<String> replaced = r.put("/v1/accounts/crud1", """
                {"displayName": "Alice B", "region": "gb", "prepaid": true, "currency": "gbp", "maxConcurrentCalls": 4,
                 "allowedCountries": ["gb", "US"], "rateDeckId": "uk", "monthlyMinutes": 1000,
                 "forwardTarget": "020 7946 0018", "noAnswerTarget": "sip:vm@example.com", "noAnswerSeconds": 20}""");
        assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(200);
        JsonNode after = json(replaced);
        assertThat(after.get("version").asLong()).isGreaterThan(body.get("version").asLong());
        assertThat(after.get("region").asText()).isEqualTo("GB");
        assertThat(after.get("currency").asText()).isEqualTo("GBP");
        assertThat(after.get("forwardTarget").asText()).isEqualTo("+442079460018");
        assertThat(after.get("allowedCountries").toString()).isEqualTo("[\"GB\",\"US\"]");
        assertThat(after.get("defaultCallerId").isNull()).isTrue(); // a PUT replaces: absent fields take defaults

        assertThat(r.delete("/v1/accounts/crud1").statusCode()).isEqualTo(204);
        assertThat(r.get("/v1/accounts/crud1").statusCode()).isEqualTo(404);
        assertError(r.delete("/v1/accounts/crud1"), 404, null, "not found");
    }

    @Test
    void shouldAcceptAGetBodyBackAsAPut() {
        JsonNode created = json(r.put("/v1/accounts/roundtrip", ACCOUNT));
        r.put("/v1/accounts/roundtrip/numbers/" + enc("+15551230001"), null);
        JsonNode got = json(r.get("/v1/accounts/roundtrip"));
        assertThat(r.put("/v1/accounts/roundtrip", got.toString()).statusCode()).isEqualTo(200);
        ((com.fasterxml.jackson.databind.node.ObjectNode) got).putArray("numbers").add("+15559990000");
        assertError(r.put("/v1/accounts/roundtrip", got.toString()), 400, "numbers", "read-only");
        assertThat(created.get("id").asText()).isEqualTo("roundtrip");
    }

    @Test
    void shouldNameTheFieldOfEveryBadInput() {
        assertError(r.put("/v1/accounts/bad1", "{\"displayName\": "), 400, null, "not valid JSON");
        assertError(r.put("/v1/accounts/bad1", "[1, 2]"), 400, null, "JSON object");
        assertError(r.put("/v1/accounts/bad1", "{\"displayname\": \"x\"}"), 400, "displayname", "unknown field");
        assertError(r.put("/v1/accounts/bad1", "{\"enabled\": \"yes\"}"), 400, "enabled", "true or false");
        assertError(r.put("/v1/accounts/bad1", "{\"maxConcurrentCalls\": \"4\"}"), 400, "maxConcurrentCalls", "number");
        assertError(r.put("/v1/accounts/bad1", "{\"maxConcurrentCalls\": 1.5}"), 400, "maxConcurrentCalls", "whole number");
        assertError(r.put("/v1/accounts/bad1", "{\"maxConcurrentCalls\": -1}"), 422, "maxConcurrentCalls", "between");
        assertError(r.put("/v1/accounts/bad1", "{\"displayName\": 5}"), 400, "displayName", "string");
        assertError(r.put("/v1/accounts/bad1", "{\"allowedCountries\": \"US\"}"), 400, "allowedCountries", "array");
        assertError(r.put("/v1/accounts/bad1", "{\"allowedCountries\": [\"XX\"]}"), 422, "allowedCountries[0]", "region");
        assertError(r.put("/v1/accounts/bad1", "{\"region\": \"Narnia\"}"), 422, "region", "region code");
        assertError(r.put("/v1/accounts/bad1", "{\"defaultCallerId\": \"12345\"}"), 422, "defaultCallerId", "too short");
        assertError(r.put("/v1/accounts/bad1", "{\"creditLimit\": \"lots\"}"), 422, "creditLimit", "decimal");
        assertError(r.put("/v1/accounts/bad1", "{\"creditLimit\": \"-5\"}"), 422, "creditLimit", "negative");
        assertError(r.put("/v1/accounts/bad1", "{\"prepaid\": true, \"creditLimit\": \"5\"}"), 422, "creditLimit", "postpaid");
        assertError(r.put("/v1/accounts/bad1", "{\"outboundTrunk\": \"no spaces\"}"), 422, "outboundTrunk", "not a valid id");
        assertError(r.put("/v1/accounts/bad1", "{\"outboundHost\": \"bad host:99999\"}"), 422, "outboundHost", "host");
        assertError(r.put("/v1/accounts/bad1", "{\"sipUsername\": \"a b\"}"), 422, "sipUsername", "SIP username");
        assertError(r.put("/v1/accounts/bad1", "{\"currency\": \"dollars\"}"), 422, "currency", "ISO 4217");
        assertError(r.put("/v1/accounts/bad1", "{\"forwardTarget\": \"sip:a b\"}"), 422, "forwardTarget", "SIP URI");
        assertError(r.put("/v1/accounts/" + enc("bad id!"), ACCOUNT), 400, "id", "not a valid id");
        assertError(r.put("/v1/accounts/" + "x".repeat(65), ACCOUNT), 400, "id", "not a valid id");
        assertThat(r.get("/v1/accounts/bad1").statusCode()).isEqualTo(404); // nothing was written
    }

    @Test
    void shouldRefuseAnAmountTheSchemasCannotHoldBeforeWritingItOut() {
        // 1e999999999 is eleven characters of JSON and a billion as a plain decimal; the long text costs its parse
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            assertError(r.put("/v1/accounts/bad2", "{\"creditLimit\": 1e999999999}"), 422, "creditLimit", "out of range");
            assertError(r.put("/v1/accounts/bad2", "{\"creditLimit\": \"1e999999999\"}"), 422, "creditLimit", "out of range");
            assertError(r.put("/v1/accounts/bad2", "{\"creditLimit\": 1e-999999999}"), 422, "creditLimit", "decimal places");
            assertError(r.put("/v1/accounts/bad2", "{\"creditLimit\": \"" + "9".repeat(500_000) + "\"}"), 422, "creditLimit",
                    "longer than 40 characters");
        });
        assertThat(r.get("/v1/accounts/bad2").statusCode()).isEqualTo(404);
        assertThat(r.put("/v1/accounts/bad2", "{\"creditLimit\": 2.5e3}").statusCode()).isEqualTo(201);
        assertThat(json(r.get("/v1/accounts/bad2")).get("creditLimit").asText()).isEqualTo("2500");
    }

    @Test
    void shouldAssignNumbersInAnyFormatToOneAccountOnly() {
        r.put("/v1/accounts/num1", account("+15552220001"));
        r.put("/v1/accounts/num2", "{\"region\": \"GB\"}");

        assertThat(r.put("/v1/accounts/num1/numbers/+15552220007", null).statusCode()).isEqualTo(201); // a raw '+' in the path
        assertThat(r.redis.get(r.key("number:+15552220007"))).isEqualTo("num1");
        HttpResponse<String> first = r.put("/v1/accounts/num1/numbers/" + enc("(555) 222-0001"), null);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        assertThat(json(first).get("number").asText()).isEqualTo("+15552220001");
        assertThat(r.put("/v1/accounts/num1/numbers/" + enc("555.222.0001"), "{}").statusCode()).isEqualTo(200);
        assertThat(r.put("/v1/accounts/num1/numbers/" + enc("+1 555 222 0002"), "").statusCode()).isEqualTo(201);
        assertThat(r.put("/v1/accounts/num2/numbers/" + enc("020 7946 0011"), null).statusCode()).isEqualTo(201);
        assertThat(r.put("/v1/accounts/num1/numbers/" + enc("0044 20 7946 0012"), null).statusCode()).isEqualTo(201);
        assertThat(r.put("/v1/accounts/num1/numbers/" + enc("011 44 20 7946 0013"), null).statusCode()).isEqualTo(201);

        HttpResponse<String> taken = r.put("/v1/accounts/num2/numbers/" + enc("+15552220001"), null);
        assertError(taken, 409, "number", "taken");
        assertThat(taken.body()).doesNotContain("num1");

        assertError(r.put("/v1/accounts/num1/numbers/12", null), 422, "number", "too short");
        assertThat(r.put("/v1/accounts/num1/numbers/" + enc("(212) 555-0100"), null).statusCode()).isEqualTo(201);
        assertError(r.put("/v1/accounts/num2/numbers/" + enc("(212) 555-0100"), null), 422, "number", "not a valid number for GB");
        assertError(r.put("/v1/accounts/num1/numbers/abc", null), 422, "number", "not a phone number");
        assertError(r.put("/v1/accounts/num1/numbers/" + enc("+15552220009"), "{\"owner\": 1}"), 400, "owner", "unknown field");
        assertError(r.put("/v1/accounts/nobody/numbers/" + enc("+15552220009"), null), 404, null, "account nobody");

        JsonNode lookup = json(r.get("/v1/numbers/" + enc("+44 20 7946 0012")));
        assertThat(lookup.get("accountId").asText()).isEqualTo("num1");
        assertThat(lookup.get("region").asText()).isEqualTo("GB");
        assertThat(r.get("/v1/numbers/" + enc("555-222-0003")).statusCode()).isEqualTo(404);
        assertThat(r.redis.get(r.key("number:+15552220002"))).isEqualTo("num1");
        assertThat(json(r.get("/v1/accounts/num1")).get("numbers").toString())
                .contains("+15552220001", "+15552220002", "+442079460012", "+442079460013", "+12125550100");

        // the default caller ID must be owned once the account has numbers, and cannot be removed under it
        assertError(r.put("/v1/accounts/num1", account("+15552229999")), 422, "defaultCallerId", "not one of");
        assertError(r.put("/v1/accounts/num3", "{\"defaultCallerId\": \"+15552220001\"}"), 422, "defaultCallerId", "another account");
        assertError(r.delete("/v1/accounts/num1/numbers/" + enc("+15552220001")), 409, "number", "defaultCallerId");
        assertThat(r.delete("/v1/accounts/num1/numbers/" + enc("+1 555 222 0002")).statusCode()).isEqualTo(204);
        assertThat(r.redis.get(r.key("number:+15552220002"))).isNull();
        assertError(r.delete("/v1/accounts/num1/numbers/" + enc("+1 555 222 0002")), 404, null, "not found");

        // deleting the account frees its numbers
        assertThat(r.delete("/v1/accounts/num1").statusCode()).isEqualTo(204);
        assertThat(r.redis.get(r.key("number:+15552220001"))).isNull();
        assertThat(r.put("/v1/accounts/num2/numbers/" + enc("+15552220001"), null).statusCode()).isEqualTo(201);
    }

    @Test
    void shouldKeepOnlyDigestHashesOfPasswords() {
        r.put("/v1/accounts/pw1", account("+15551230201"));
        assertError(r.put("/v1/accounts/pw1/password", "{\"password\": \"short\"}"), 422, "password", "at least 8");
        assertError(r.put("/v1/accounts/pw1/password", "{}"), 400, "password", "required");
        assertError(r.put("/v1/accounts/pw1/password", "{\"password\": 12345678}"), 400, "password", "string");
        assertError(r.put("/v1/accounts/pw1/password", "{\"password\": \"long enough\", \"x\": 1}"), 400, "x", "unknown");
        assertThat(json(r.get("/v1/accounts/pw1/sip")).get("passwordSet").asBoolean()).isFalse();

        HttpResponse<String> set = r.put("/v1/accounts/pw1/password", "{\"password\": \"s3cret-Pass\"}");
        assertThat(set.statusCode()).as(set.body()).isEqualTo(201);
        assertThat(set.headers().firstValue("ETag")).isPresent();
        assertThat(set.body()).doesNotContain("s3cret-Pass");
        assertThat(r.put("/v1/accounts/pw1/password", "{\"password\": \"an0ther-Pass\"}").statusCode()).isEqualTo(200);

        JsonNode sip = json(r.get("/v1/accounts/pw1/sip"));
        assertThat(sip.get("username").asText()).isEqualTo("pw1");
        assertThat(sip.get("domain").asText()).isEqualTo("test.sipstream");
        assertThat(sip.get("registrar").asText()).isEqualTo("sip.test.example:5070");
        assertThat(sip.get("transports").toString()).isEqualTo("[\"udp\",\"tcp\"]");
        assertThat(sip.get("passwordSet").asBoolean()).isTrue();
        assertThat(sip.toString()).doesNotContain("an0ther").doesNotContain("ha1");

        Map<String, String> stored = r.redis.hgetAll(r.key("cred:pw1"));
        assertThat(stored).isEqualTo(SipCredentials.fromPassword("pw1", "test.sipstream", "an0ther-Pass").toHash());
        assertThat(stored.values()).noneMatch(v -> v.contains("an0ther"));
        assertThat(r.redis.get(r.key("sipuser:test.sipstream:pw1"))).isEqualTo("pw1");
        assertThat(r.get("/v1/accounts/pw1").body()).doesNotContain("ha1").doesNotContain("an0ther");

        assertThat(r.delete("/v1/accounts/pw1").statusCode()).isEqualTo(204);
        assertThat(r.redis.exists(r.key("cred:pw1"))).isFalse();
        assertThat(r.redis.exists(r.key("sipuser:test.sipstream:pw1"))).isFalse();
        assertThat(r.put("/v1/accounts/pw1/password", "{\"password\": \"s3cret-Pass\"}").statusCode()).isEqualTo(404);
    }

    @Test
    void shouldKeepSipUsernamesUniqueAndMoveThemWithTheirAccount() {
        assertThat(r.put("/v1/accounts/user1", "{\"sipUsername\": \"alice.sip\"}").statusCode()).isEqualTo(201);
        assertError(r.put("/v1/accounts/user2", "{\"sipUsername\": \"alice.sip\"}"), 409, "sipUsername", "taken");
        assertThat(r.put("/v1/accounts/user1/password", "{\"password\": \"first-pass\"}").statusCode()).isEqualTo(201);
        assertThat(r.redis.get(r.key("sipuser:test.sipstream:alice.sip"))).isEqualTo("user1");

        // renaming frees the old name and drops the password: its digest hashes were made with the old name
        assertThat(r.put("/v1/accounts/user1", "{\"sipUsername\": \"alice2\"}").statusCode()).isEqualTo(200);
        assertThat(r.redis.exists(r.key("sipuser:test.sipstream:alice.sip"))).isFalse();
        assertThat(r.redis.get(r.key("sipuser:test.sipstream:alice2"))).isEqualTo("user1");
        assertThat(json(r.get("/v1/accounts/user1/sip")).get("passwordSet").asBoolean()).isFalse();
        assertThat(r.put("/v1/accounts/user2", "{\"sipUsername\": \"alice.sip\"}").statusCode()).isEqualTo(201);
        assertError(r.put("/v1/accounts/..", "{}"), 400, "id", "not a valid id");
    }

    @Test
    void shouldValidateAndStoreDialPlans() {
        r.put("/v1/accounts/dp1", account("+15551230301"));
        HttpResponse<String> ok = r.put("/v1/accounts/dp1/dialplan", """
                {"rules": [{"type": "exact", "pattern": "*100", "replace": "+15559876543"},
                           {"type": "prefix", "pattern": "011.", "strip": 3, "prepend": "+", "trunks": ["t2", "t1"]},
                           {"type": "prefix", "pattern": "1[2-9]XXNXXXXXX", "targetAccount": "dp2"},
                           {"type": "regex", "pattern": "9(\\\\d{3})", "replace": "+1555$1"},
                           {"type": "prefix", "pattern": "1900.", "reject": 403}]}""");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        JsonNode account = json(r.get("/v1/accounts/dp1"));
        assertThat(account.get("dialPlan").size()).isEqualTo(5);
        assertThat(account.get("dialPlan").get(1).get("trunks").toString()).isEqualTo("[\"t2\",\"t1\"]");
        assertThat(account.get("dialPlan").get(4).get("reject").asInt()).isEqualTo(403);
        assertThat(json(r.get("/v1/accounts/dp1/dialplan")).get("rules").size()).isEqualTo(5);

        assertError(r.put("/v1/accounts/dp1/dialplan", "{\"rules\": [{\"type\": \"prefix\", \"pattern\": \"01A.\"}]}"),
                422, "rules[0].pattern", "rule 0");
        assertError(r.put("/v1/accounts/dp1/dialplan", "{\"rules\": [{\"type\": \"exact\", \"pattern\": \"1\"}, {\"type\": \"prefix\", \"pattern\": \"\"}]}"),
                422, "rules[1].pattern", "empty");
        assertError(r.put("/v1/accounts/dp1/dialplan", "{\"rules\": [{\"type\": \"regex\", \"pattern\": \"(12\"}]}"),
                422, "rules[0].pattern", "does not compile");
        assertError(r.put("/v1/accounts/dp1/dialplan", "{\"rules\": [{\"type\": \"regex\", \"pattern\": \"" + "1".repeat(201) + "\"}]}"),
                422, "rules[0].pattern", "longer than 200");
        assertError(r.put("/v1/accounts/dp1/dialplan", "{\"rules\": [{\"type\": \"glob\", \"pattern\": \"1\"}]}"),
                422, "rules[0].type", "exact, prefix or regex");
        assertError(r.put("/v1/accounts/dp1/dialplan", "{\"rules\": [{\"type\": \"prefix\", \"pattern\": \"1.\", \"reject\": 200}]}"),
                422, "rules[0].reject", "between 400 and 699");
        assertError(r.put("/v1/accounts/dp1/dialplan", "{\"rules\": [{\"type\": \"prefix\", \"pattern\": \"1.\", \"strip\": \"1\"}]}"),
                400, "rules[0].strip", "number");
        assertError(r.put("/v1/accounts/dp1/dialplan", "{\"rules\": [{\"type\": \"prefix\", \"pattern\": \"1.\", \"trunk\": [\"t\"]}]}"),
                400, "rules[0].trunk", "unknown field");
        assertError(r.put("/v1/accounts/dp1/dialplan", "{\"rules\": {}}"), 400, "rules", "array");
        assertError(r.put("/v1/accounts/dp404/dialplan", "{\"rules\": []}"), 404, null, "not found");
        assertThat(json(r.get("/v1/accounts/dp1")).get("dialPlan").size()).isEqualTo(5); // the bad ones changed nothing
    }

    @Test
    void shouldKeepTrunkAllowListsInTheFormTheEdgeMatches() {
        HttpResponse<String> created = r.put("/v1/trunks/acl1", """
                {"host": "127.0.0.1", "allowedCidrs": ["127.0.0.1:5090", "10.0.0.0/24:5060", "[2001:DB8::1]:5060",
                 "203.0.113.7", "127.0.0.1/32:5090"]}""");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        // canonical and de-duplicated: the edge reads these back with the same rule (io.sipstream.platform.net.SourceRule)
        assertThat(json(r.get("/v1/trunks/acl1")).get("allowedCidrs").toString())
                .isEqualTo("[\"127.0.0.1/32:5090\",\"10.0.0.0/24:5060\",\"[2001:db8::1/128]:5060\",\"203.0.113.7/32\"]");

        assertError(r.put("/v1/trunks/acl2", "{\"host\": \"h\", \"allowedCidrs\": [\"10.0.0.1/24\"]}"), 422, "allowedCidrs[0]",
                "host bits set below /24; the network is 10.0.0.0/24");
        assertError(r.put("/v1/trunks/acl2", "{\"host\": \"h\", \"allowedCidrs\": [\"127.0.0.1\", \"1.2.3.4:70000\"]}"), 422,
                "allowedCidrs[1]", "port '70000'; it must be 1 to 65535");
        assertError(r.put("/v1/trunks/acl2", "{\"host\": \"h\", \"allowedCidrs\": [\"carrier.example:5060\"]}"), 422,
                "allowedCidrs[0]", "not an IPv4 or IPv6 address");
        assertThat(r.get("/v1/trunks/acl2").statusCode()).isEqualTo(404);
    }

    @Test
    void shouldRefuseAllowListsWiderThanOneProviderUnlessTheTrunkSaysAnySource() {
        assertError(r.put("/v1/trunks/wide1", "{\"host\": \"h\", \"allowedCidrs\": [\"203.0.113.7\", \"0.0.0.0/0\"]}"), 400,
                "allowedCidrs[1]", "'0.0.0.0/0' is wider than /16");
        assertError(r.put("/v1/trunks/wide1", "{\"host\": \"h\", \"allowedCidrs\": [\"10.0.0.0/15:5060\"]}"), 400,
                "allowedCidrs[0]", "allowAnySource");
        assertError(r.put("/v1/trunks/wide1", "{\"host\": \"h\", \"allowedCidrs\": [\"2001:d00::/24\"]}"), 400,
                "allowedCidrs[0]", "wider than /32");
        assertError(r.put("/v1/trunks/wide1", "{\"host\": \"h\", \"allowedCidrs\": [\"0.0.0.0/0\"], \"allowAnySource\": \"yes\"}"),
                400, "allowAnySource", "true or false");
        assertThat(r.get("/v1/trunks/wide1").statusCode()).isEqualTo(404);

        HttpResponse<String> narrow = r.put("/v1/trunks/wide2", "{\"host\": \"h\", \"allowedCidrs\": [\"10.1.0.0/16\"]}");
        assertThat(narrow.statusCode()).as(narrow.body()).isEqualTo(201);
        assertThat(json(narrow).get("allowAnySource").asBoolean()).isFalse();

        HttpResponse<String> meant = r.put("/v1/trunks/wide3", "{\"host\": \"h\", \"allowedCidrs\": [\"0.0.0.0/0\"], \"allowAnySource\": true}");
        assertThat(meant.statusCode()).as(meant.body()).isEqualTo(201);
        JsonNode stored = json(r.get("/v1/trunks/wide3"));
        assertThat(stored.get("allowAnySource").asBoolean()).isTrue();
        assertThat(stored.get("allowedCidrs").toString()).isEqualTo("[\"0.0.0.0/0\"]");
    }

    @Test
    void shouldSealTrunkSecretsAndNeverShowThem() {
        HttpResponse<String> created = r.put("/v1/trunks/tr1", """
                {"host": "127.0.0.1", "port": 5090, "transport": "UDP", "allowedCidrs": ["192.0.2.0/24", "2001:db8::/32"],
                 "callerIdFormat": "national", "techPrefix": "99#", "maxChannels": 30, "allowRefer": true,
                 "finalCodes": [486, 603], "register": true, "username": "gw-user", "password": "Trunk-Secret-1", "realm": "carrier.example"}""");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).doesNotContain("Trunk-Secret-1");
        JsonNode trunk = json(r.get("/v1/trunks/tr1"));
        assertThat(trunk.get("transport").asText()).isEqualTo("udp");
        assertThat(trunk.get("hasCredentials").asBoolean()).isTrue();
        assertThat(trunk.has("password")).isFalse();
        assertThat(trunk.toString()).doesNotContain("Trunk-Secret-1").doesNotContain("secret");

        Map<String, String> cred = r.redis.hgetAll(r.key("trunkcred:tr1"));
        assertThat(cred).containsEntry("username", "gw-user").containsEntry("realm", "carrier.example");
        assertThat(cred.get("secret")).startsWith("v1:").doesNotContain("Trunk-Secret-1");
        assertThat(new SecretBox(TestRegistry.SECRETS_KEY).open(cred.get("secret"))).isEqualTo("Trunk-Secret-1");

        // a read-modify-write without the password keeps it
        assertThat(r.put("/v1/trunks/tr1", trunk.toString()).statusCode()).isEqualTo(200);
        assertThat(new SecretBox(TestRegistry.SECRETS_KEY).open(r.redis.hget(r.key("trunkcred:tr1"), "secret"))).isEqualTo("Trunk-Secret-1");
        // a trunk without credentials drops them
        assertThat(r.put("/v1/trunks/tr1", "{\"host\": \"sip.carrier.example\"}").statusCode()).isEqualTo(200);
        assertThat(r.redis.exists(r.key("trunkcred:tr1"))).isFalse();
        JsonNode plain = json(r.get("/v1/trunks/tr1"));
        assertThat(plain.get("port").asInt()).isEqualTo(5060);
        assertThat(plain.get("finalCodes").toString()).isEqualTo("[486,600,603,404,484,485]");

        assertError(r.put("/v1/trunks/tr2", "{\"port\": 5060}"), 400, "host", "required");
        assertError(r.put("/v1/trunks/tr2", "{\"host\": \"bad host\"}"), 422, "host", "host name");
        assertError(r.put("/v1/trunks/tr2", "{\"host\": \"h\", \"port\": 0}"), 422, "port", "between 1 and 65535");
        assertError(r.put("/v1/trunks/tr2", "{\"host\": \"h\", \"transport\": \"sctp\"}"), 422, "transport", "udp, tcp or tls");
        assertError(r.put("/v1/trunks/tr2", "{\"host\": \"h\", \"allowedCidrs\": [\"10.0.0.0/8\", \"10.0.0.0/33\"]}"), 422, "allowedCidrs[1]", "prefix length");
        assertError(r.put("/v1/trunks/tr2", "{\"host\": \"h\", \"allowedCidrs\": [\"2001:db8::g/64\"]}"), 422, "allowedCidrs[0]", "CIDR");
        assertError(r.put("/v1/trunks/tr2", "{\"host\": \"h\", \"callerIdFormat\": \"e.164\"}"), 422, "callerIdFormat", "e164 or national");
        assertError(r.put("/v1/trunks/tr2", "{\"host\": \"h\", \"techPrefix\": \"9a\"}"), 422, "techPrefix", "digits");
        assertError(r.put("/v1/trunks/tr2", "{\"host\": \"h\", \"finalCodes\": [486, 200]}"), 422, "finalCodes[1]", "400 to 699");
        assertError(r.put("/v1/trunks/tr2", "{\"host\": \"h\", \"register\": true}"), 422, "register", "username and password");
        assertError(r.put("/v1/trunks/tr2", "{\"host\": \"h\", \"password\": \"pw-pw-pw\"}"), 422, "username", "required");
        assertError(r.put("/v1/trunks/tr2", "{\"host\": \"h\", \"username\": \"u\"}"), 422, "password", "required");
        assertError(r.put("/v1/trunks/tr2", "{\"host\": \"h\", \"allowRefer\": 1}"), 400, "allowRefer", "true or false");
        assertThat(r.get("/v1/trunks/tr2").statusCode()).isEqualTo(404);

        assertThat(r.delete("/v1/trunks/tr1").statusCode()).isEqualTo(204);
        assertThat(r.get("/v1/trunks/tr1").statusCode()).isEqualTo(404);
        assertThat(r.delete("/v1/trunks/tr1").statusCode()).isEqualTo(404);
    }

    @Test
    void shouldRefuseAStaleIfMatch() {
        HttpResponse<String> created = r.put("/v1/accounts/etag1", account("+15551230401"));
        String v1 = created.headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> second = r.put("/v1/accounts/etag1", account("+15551230401").replace("Alice", "Bob"), "If-Match", v1);
        assertThat(second.statusCode()).isEqualTo(200);
        String v2 = second.headers().firstValue("ETag").orElseThrow();
        assertError(r.put("/v1/accounts/etag1", account("+15551230401").replace("Alice", "Carol"), "If-Match", v1), 412, "If-Match", "version");
        assertThat(json(r.get("/v1/accounts/etag1")).get("displayName").asText()).isEqualTo("Bob");
        assertError(r.put("/v1/accounts/etag1/numbers/" + enc("+15551230401"), null, "If-Match", v1), 412, "If-Match", "version");
        assertError(r.put("/v1/accounts/etag1/dialplan", "{\"rules\": []}", "If-Match", v1), 412, "If-Match", "version");
        assertError(r.put("/v1/accounts/etag1/password", "{\"password\": \"long-enough\"}", "If-Match", v1), 412, "If-Match", "version");
        assertError(r.delete("/v1/accounts/etag1", "If-Match", v1), 412, "If-Match", "version");
        assertError(r.put("/v1/accounts/etag-new", account("+15551230402"), "If-Match", v1), 412, "If-Match", "does not exist");
        assertError(r.put("/v1/accounts/etag1", account("+15551230401"), "If-None-Match", "*"), 412, "If-None-Match", "exists");
        assertThat(r.delete("/v1/accounts/etag1", "If-Match", v2).statusCode()).isEqualTo(204);

        HttpResponse<String> t = r.put("/v1/trunks/etag-t", "{\"host\": \"h1\"}");
        assertError(r.put("/v1/trunks/etag-t", "{\"host\": \"h2\"}", "If-Match", "\"1\""), 412, "If-Match", "version");
        assertThat(r.put("/v1/trunks/etag-t", "{\"host\": \"h2\"}", "If-Match", t.headers().firstValue("ETag").orElseThrow()).statusCode()).isEqualTo(200);
    }
}
