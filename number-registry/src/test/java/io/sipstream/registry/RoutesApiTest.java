package io.sipstream.registry;

import static io.sipstream.registry.RegistryApiTest.assertError;
import static io.sipstream.registry.TestRegistry.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipstream.avro.DestinationType;
import io.sipstream.avro.DidBinding;
import io.sipstream.avro.Route;
import io.sipstream.avro.RouteStrategy;
import io.sipstream.avro.Trunk;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.schemas.Topics;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The shared route table, trunk destinations and rate decks, and DID bindings, against the real Redis and Kafka of the local stack. */
@ExtendWith(LocalStackExtension.class)
class RoutesApiTest {
    static TestRegistry r;

    @BeforeAll
    static void start() {
        r = SharedRegistry.get();
        for (String t : new String[] {"rt-a", "rt-b"}) {
            assertThat(r.put("/v1/trunks/" + t, "{\"host\": \"" + t + ".carrier.example\"}").statusCode()).isIn(200, 201);
        }
    }

    @Test
    void shouldStoreAndPublishARouteAndRemoveIt() {
        HttpResponse<String> created = r.put("/v1/routes/uk", """
                {"destination": {"type": "prefix", "pattern": "+44"}, "strategy": "weighted",
                 "trunks": [{"trunk": "rt-a", "weight": 3}, {"trunk": "rt-b"}], "priority": 7,
                 "timeOfDay": {"days": ["FRI", "mon"], "from": "08:00", "to": "18:30", "zone": "Europe/London"}}""");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode body = json(created);
        assertThat(body.path("destination").path("pattern").asText()).isEqualTo("44");
        assertThat(body.path("trunks").toString()).isEqualTo("[{\"trunk\":\"rt-a\",\"weight\":3},{\"trunk\":\"rt-b\",\"weight\":1}]");
        assertThat(body.path("timeOfDay").path("days").toString()).isEqualTo("[\"mon\",\"fri\"]");
        assertThat(json(r.get("/v1/routes")).path("routes").findValuesAsText("id")).contains("uk");
        // a GET's body goes back as a PUT
        assertThat(r.put("/v1/routes/uk", json(r.get("/v1/routes/uk")).toString()).statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Route published = r.topic(Topics.REGISTRY_ROUTES).get("uk");
            assertThat(published).isNotNull();
            assertThat(published.getStrategy()).isEqualTo(RouteStrategy.WEIGHTED);
            assertThat(published.getDestination().getType()).isEqualTo(DestinationType.PREFIX);
            assertThat(published.getTrunks()).extracting(t -> t.getTrunkId() + ":" + t.getWeight()).containsExactly("rt-a:3", "rt-b:1");
            assertThat(published.getTimeOfDay().getZone()).isEqualTo("Europe/London");
        });

        assertError(r.delete("/v1/trunks/rt-b"), 409, "id", "used by route(s) uk");
        assertThat(r.delete("/v1/routes/uk").statusCode()).isEqualTo(204);
        assertThat(r.get("/v1/routes/uk").statusCode()).isEqualTo(404);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(r.topic(Topics.REGISTRY_ROUTES)).doesNotContainKey("uk"));
    }

    @Test
    void shouldRefuseEveryBadRoute() {
        String ok = "\"destination\": {\"type\": \"prefix\", \"pattern\": \"44\"}";
        assertError(r.put("/v1/routes/bad", "{\"trunks\": [{\"trunk\": \"rt-a\"}]}"), 422, "destination", "required");
        assertError(r.put("/v1/routes/bad", "{\"destination\": {\"type\": \"prefix\", \"pattern\": \"+44x\"}, \"trunks\": [{\"trunk\": \"rt-a\"}]}"),
                422, "destination.pattern", "not an E.164 prefix");
        assertError(r.put("/v1/routes/bad", "{\"destination\": {\"type\": \"regex\", \"pattern\": \"\\\\+44(\"}, \"trunks\": [{\"trunk\": \"rt-a\"}]}"),
                422, "destination.pattern", "does not compile");
        assertError(r.put("/v1/routes/bad", "{\"destination\": {\"type\": \"glob\", \"pattern\": \"44\"}, \"trunks\": [{\"trunk\": \"rt-a\"}]}"),
                422, "destination.type", "prefix or regex");
        assertError(r.put("/v1/routes/bad", "{" + ok + ", \"trunks\": [{\"trunk\": \"nowhere\"}]}"), 422, "trunks[0].trunk", "trunk nowhere is unknown");
        assertError(r.put("/v1/routes/bad", "{" + ok + ", \"trunks\": []}"), 422, "trunks", "required");
        assertError(r.put("/v1/routes/bad", "{" + ok + ", \"trunks\": [{\"trunk\": \"rt-a\"}, {\"trunk\": \"rt-a\"}]}"), 422, "trunks[1].trunk", "twice");
        assertError(r.put("/v1/routes/bad", "{" + ok + ", \"strategy\": \"weighted\", \"trunks\": [{\"trunk\": \"rt-a\", \"weight\": 0}]}"),
                422, "trunks[0].weight", "between 1 and 1000");
        assertError(r.put("/v1/routes/bad", "{" + ok + ", \"strategy\": \"weighted\", \"trunks\": [{\"trunk\": \"rt-a\", \"weight\": 1001}]}"),
                422, "trunks[0].weight", "between 1 and 1000");
        assertError(r.put("/v1/routes/bad", "{" + ok + ", \"trunks\": [{\"trunk\": \"rt-a\", \"weight\": 2}]}"), 422, "trunks[0].weight", "weighted routes");
        assertError(r.put("/v1/routes/bad", "{" + ok + ", \"strategy\": \"cheapest\", \"trunks\": [{\"trunk\": \"rt-a\"}]}"), 422, "strategy", "ordered, weighted or lcr");
        assertError(r.put("/v1/routes/bad", "{" + ok + ", \"priority\": -1, \"trunks\": [{\"trunk\": \"rt-a\"}]}"), 422, "priority", "between 0 and 1000");
        String window = ", \"trunks\": [{\"trunk\": \"rt-a\"}], \"timeOfDay\": ";
        assertError(r.put("/v1/routes/bad", "{" + ok + window + "{\"from\": \"8am\", \"to\": \"18:00\"}}"), 422, "timeOfDay.from", "HH:mm");
        assertError(r.put("/v1/routes/bad", "{" + ok + window + "{\"from\": \"08:00\", \"to\": \"08:00\"}}"), 422, "timeOfDay.to", "no time");
        assertError(r.put("/v1/routes/bad", "{" + ok + window + "{\"days\": [\"monday\"], \"from\": \"08:00\", \"to\": \"18:00\"}}"),
                422, "timeOfDay.days[0]", "is not one of");
        assertError(r.put("/v1/routes/bad", "{" + ok + window + "{\"from\": \"08:00\", \"to\": \"18:00\", \"zone\": \"Mars/Base\"}}"),
                422, "timeOfDay.zone", "not a time zone");
        assertError(r.put("/v1/routes/bad", "{" + ok + ", \"trunks\": [{\"trunk\": \"rt-a\"}], \"colour\": 1}"), 400, "colour", "unknown field");
        assertThat(r.get("/v1/routes/bad").statusCode()).isEqualTo(404);
    }

    @Test
    void shouldKeepATrunksDestinationsAndRateDeck() {
        HttpResponse<String> put = r.put("/v1/trunks/rt-dest", """
                {"host": "uk.carrier.example", "rateDeckId": "carrier-uk",
                 "destinations": [{"type": "prefix", "pattern": "+44"}, {"type": "regex", "pattern": "\\\\+1(212|646)\\\\d{7}"}]}""");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        assertThat(json(put).path("destinations").toString()).isEqualTo("[{\"type\":\"prefix\",\"pattern\":\"44\"},{\"type\":\"regex\",\"pattern\":\"\\\\+1(212|646)\\\\d{7}\"}]");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Trunk published = r.topic(Topics.REGISTRY_TRUNKS).get("rt-dest");
            assertThat(published).isNotNull();
            assertThat(published.getRateDeckId()).isEqualTo("carrier-uk");
            assertThat(published.getDestinations()).extracting(d -> d.getType() + " " + d.getPattern())
                    .containsExactly("PREFIX 44", "REGEX \\+1(212|646)\\d{7}");
        });
        assertError(r.put("/v1/trunks/rt-dest2", "{\"host\": \"h\", \"destinations\": [{\"type\": \"prefix\", \"pattern\": \"0044\"}, {\"type\": \"prefix\"}]}"),
                422, "destinations[1].pattern", "required");
        assertError(r.put("/v1/trunks/rt-dest2", "{\"host\": \"h\", \"destinations\": [{\"type\": \"regex\", \"pattern\": \"[\"}]}"),
                422, "destinations[0].pattern", "does not compile");
        assertError(r.put("/v1/trunks/rt-dest2", "{\"host\": \"h\", \"rateDeckId\": \"no/slash\"}"), 422, "rateDeckId", "not a valid id");
    }

    @Test
    void shouldBindANumberToItsTrunkAndMoveItInOneChange() {
        HttpResponse<String> bound = r.put("/v1/numbers/+442079460018/trunk", "{\"trunk\": \"rt-a\"}");
        assertThat(bound.statusCode()).as(bound.body()).isEqualTo(201);
        assertThat(json(bound).path("number").asText()).isEqualTo("+442079460018");
        HttpResponse<String> moved = r.put("/v1/numbers/00442079460018/trunk", "{\"trunk\": \"rt-b\"}");
        assertThat(moved.statusCode()).isEqualTo(200);
        assertThat(json(r.get("/v1/numbers/+442079460018/trunk")).path("trunk").asText()).isEqualTo("rt-b");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            DidBinding published = r.topic(Topics.REGISTRY_DIDS).get("+442079460018");
            assertThat(published).isNotNull();
            assertThat(published.getTrunkId()).isEqualTo("rt-b");
        });

        assertError(r.put("/v1/numbers/+442079460019/trunk", "{\"trunk\": \"nowhere\"}"), 422, "trunk", "unknown");
        assertError(r.put("/v1/numbers/+442079460019/trunk", "{}"), 422, "trunk", "required");
        assertError(r.put("/v1/numbers/12/trunk", "{\"trunk\": \"rt-a\"}"), 422, "number", "");
        assertError(r.put("/v1/numbers/+442079460018/trunk", "{\"trunk\": \"rt-a\"}", "If-Match", "\"1\""), 412, "If-Match", "version");

        assertThat(r.delete("/v1/numbers/+442079460018/trunk").statusCode()).isEqualTo(204);
        assertThat(r.get("/v1/numbers/+442079460018/trunk").statusCode()).isEqualTo(404);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(r.topic(Topics.REGISTRY_DIDS)).doesNotContainKey("+442079460018"));
    }

    @Test
    void shouldLetADialPlanRuleNameARouteButNotRouteTwice() {
        assertThat(r.put("/v1/accounts/rt-acct", RegistryApiTest.account("+15551230777")).statusCode()).isIn(200, 201);
        HttpResponse<String> plan = r.put("/v1/accounts/rt-acct/dialplan",
                "{\"rules\": [{\"type\": \"prefix\", \"pattern\": \"011.\", \"strip\": 3, \"prepend\": \"+\", \"route\": \"uk\"}]}");
        assertThat(plan.statusCode()).as(plan.body()).isEqualTo(200);
        assertThat(json(plan).path("rules").get(0).path("route").asText()).isEqualTo("uk");
        assertError(r.put("/v1/accounts/rt-acct/dialplan",
                "{\"rules\": [{\"type\": \"prefix\", \"pattern\": \"9.\", \"route\": \"uk\", \"trunks\": [\"rt-a\"]}]}"), 422, "rules[0].route", "not both");
        assertError(r.put("/v1/accounts/rt-acct/dialplan",
                "{\"rules\": [{\"type\": \"prefix\", \"pattern\": \"9.\", \"route\": \"bad id\"}]}"), 422, "rules[0].route", "not a valid id");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(r.topic(Topics.REGISTRY_ACCOUNTS).get("rt-acct").getDialPlan().getFirst().getRoute()).isEqualTo("uk"));
    }
}
