package io.sipstream.registry;

import static io.sipstream.registry.RegistryApiTest.account;
import static io.sipstream.registry.RegistryApiTest.enc;
import static io.sipstream.registry.TestRegistry.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.registry.rest.Pages;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The list endpoints' pages against the real Redis of the local stack. */
@ExtendWith(LocalStackExtension.class)
class RegistryListTest {
    static TestRegistry r;
    static final String RUN = Integer.toString(ThreadLocalRandom.current().nextInt(100, 999));

    @BeforeAll
    static void start() {
        r = SharedRegistry.get();
    }

    @Test
    void shouldPageThroughEveryAccountExactlyOnceInIdOrder() {
        List<String> mine = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            String id = "pg" + RUN + "-" + (char) ('a' + i);
            assertThat(r.put("/v1/accounts/" + id, account("+1555" + RUN + "10" + String.format("%02d", i))).statusCode()).isEqualTo(201);
            mine.add(id);
        }

        List<String> all = pages("/v1/accounts?limit=5", 5);
        assertThat(all).as("no account on two pages").doesNotHaveDuplicates().containsAll(mine);
        assertThat(all).as("in id order").isSorted();

        assertThat(pages("/v1/accounts?limit=7&q=PG" + RUN + "-", 7)).as("search by id, ignoring case").isEqualTo(mine);

        JsonNode first = json(r.get("/v1/accounts?q=" + mine.get(4))).get("items").get(0);
        assertThat(first).as("an item is what the account's GET shows").isEqualTo(json(r.get("/v1/accounts/" + mine.get(4))));
    }

    @Test
    void shouldFindAccountsByDisplayNameAndByNumber() {
        String id = "srch" + RUN;
        assertThat(r.put("/v1/accounts/" + id, account("+1555" + RUN + "2001").replace("Alice", "Zebra Crossing " + RUN)).statusCode())
                .isEqualTo(201);
        assertThat(r.put("/v1/accounts/" + id + "/numbers/" + enc("+1555" + RUN + "2777"), null).statusCode()).isEqualTo(201);

        assertThat(pages("/v1/accounts?q=" + enc("zebra crossing " + RUN), 50)).containsExactly(id);
        assertThat(pages("/v1/accounts?q=" + enc("(555) " + RUN + "-2777"), 50)).as("a number as people write it").containsExactly(id);
        assertThat(pages("/v1/accounts?q=" + enc("nothing matches " + RUN), 50)).isEmpty();
    }

    @Test
    void shouldListAccountsWrittenBeforeTheIndexExisted() {
        String id = "legacy" + RUN;
        assertThat(r.put("/v1/accounts/" + id, account("+1555" + RUN + "3001")).statusCode()).isEqualTo(201);
        r.redis.del(r.key("registry:index:accounts")); // as a Redis filled by an older registry has it

        assertThat(pages("/v1/accounts?limit=500", 500)).contains(id).doesNotHaveDuplicates();
        assertThat(r.redis.zscore(r.key("registry:index:accounts"), id)).isEqualTo(0.0);
    }

    @Test
    void shouldPageThroughTrunksAndAnAccountsNumbers() {
        List<String> trunks = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            String id = "tp" + RUN + "-" + i;
            assertThat(r.put("/v1/trunks/" + id, "{\"host\": \"10.0.0." + (i + 1) + "\"}").statusCode()).isEqualTo(201);
            trunks.add(id);
        }
        assertThat(pages("/v1/trunks?limit=3", 3)).doesNotHaveDuplicates().containsAll(trunks).isSorted();
        JsonNode item = json(r.get("/v1/trunks?limit=1&cursor=" + cursorBefore(trunks.get(2)))).get("items").get(0);
        assertThat(item).isEqualTo(json(r.get("/v1/trunks/" + trunks.get(2))));

        String account = "nums" + RUN;
        assertThat(r.put("/v1/accounts/" + account, account("+1555" + RUN + "4000")).statusCode()).isEqualTo(201);
        for (int i = 1; i <= 4; i++) r.put("/v1/accounts/" + account + "/numbers/" + enc("+1555" + RUN + "400" + i), null);
        List<String> numbers = new ArrayList<>();
        String next = null;
        do {
            JsonNode page = json(r.get("/v1/accounts/" + account + "/numbers?limit=2" + (next == null ? "" : "&cursor=" + next)));
            page.get("items").forEach(n -> {
                assertThat(n.get("accountId").asText()).isEqualTo(account);
                assertThat(n.get("region").asText()).isEqualTo("US");
                numbers.add(n.get("number").asText());
            });
            next = page.get("next").isNull() ? null : page.get("next").asText();
        } while (next != null);
        assertThat(numbers).as("the numbers given to it (a default caller ID is not one by itself)").containsExactly("+1555" + RUN + "4001", "+1555" + RUN + "4002",
                "+1555" + RUN + "4003", "+1555" + RUN + "4004");
        assertThat(r.get("/v1/accounts/nobody" + RUN + "/numbers").statusCode()).isEqualTo(404);
    }

    @Test
    void shouldPageThroughRoutesAndGiveEveryRouteToAClientThatAsksForNoPage() {
        assertThat(r.put("/v1/trunks/rp" + RUN, "{\"host\": \"10.0.1.1\"}").statusCode()).isIn(200, 201);
        List<String> routes = new ArrayList<>();
        for (int i = 0; i < Pages.DEFAULT_LIMIT + 5; i++) { // more than a default page
            String id = "rp" + RUN + "-" + String.format("%02d", i);
            assertThat(r.put("/v1/routes/" + id, "{\"destination\": {\"type\": \"prefix\", \"pattern\": \"+44" + i + "\"},"
                    + " \"trunks\": [{\"trunk\": \"rp" + RUN + "\"}]}").statusCode()).isEqualTo(201);
            routes.add(id);
        }
        assertThat(pages("/v1/routes?limit=20", 20)).doesNotHaveDuplicates().containsAll(routes).isSorted();
        JsonNode paged = json(r.get("/v1/routes?limit=1&cursor=" + cursorBefore(routes.get(2))));
        assertThat(paged.get("items").get(0)).isEqualTo(json(r.get("/v1/routes/" + routes.get(2))));
        assertThat(paged.get("routes")).as("the page under the list's older key too").isEqualTo(paged.get("items"));

        // a client of the list before it had pages: every route under "routes", however many, and no next
        r.redis.del(r.key("registry:index:routes")); // and a Redis an older registry filled
        JsonNode whole = json(r.get("/v1/routes"));
        List<String> ids = whole.get("routes").findValuesAsText("id");
        assertThat(ids).containsAll(routes).doesNotHaveDuplicates().isSorted();
        assertThat(ids.size()).isGreaterThan(Pages.DEFAULT_LIMIT);
        assertThat(whole.get("next").isNull()).isTrue();
        assertThat(pages("/v1/routes?limit=30", 30)).as("the index rebuilt from the set").containsAll(routes);
        RegistryApiTest.assertError(r.get("/v1/routes?limit=0"), 400, "limit", "is not a whole number from 1 to 500");

        assertThat(r.delete("/v1/routes/" + routes.get(0)).statusCode()).isEqualTo(204);
        assertThat(pages("/v1/routes?limit=30", 30)).doesNotContain(routes.get(0)).contains(routes.get(1));
    }

    @Test
    void shouldRefuseABadCursorOrLimitWithAClearError() {
        for (String query : List.of("cursor=not-a-cursor!", "cursor=" + java.util.Base64.getUrlEncoder().encodeToString("x".getBytes()))) {
            HttpResponse<String> bad = r.get("/v1/accounts?" + query);
            RegistryApiTest.assertError(bad, 400, "cursor", "is not a cursor of this list");
            assertThat(bad.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        }
        for (String limit : List.of("0", "501", "ten", "-1")) {
            RegistryApiTest.assertError(r.get("/v1/trunks?limit=" + limit), 400, "limit", "is not a whole number from 1 to 500");
        }
    }

    /** The ids of every page from {@code first}, checking that no page is longer than its limit. */
    private static List<String> pages(String first, int limit) {
        List<String> ids = new ArrayList<>();
        String url = first;
        for (int n = 0; n < 10_000; n++) {
            HttpResponse<String> response = r.get(url);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode page = json(response);
            assertThat(page.get("items").size()).isLessThanOrEqualTo(limit);
            page.get("items").forEach(item -> ids.add(item.get("id").asText()));
            if (page.get("next").isNull()) return ids;
            url = first + "&cursor=" + page.get("next").asText();
        }
        throw new AssertionError("no last page");
    }

    private static String cursorBefore(String id) {
        // the page after the id just before it: the cursor is opaque to clients, but a test may build one
        return io.sipstream.registry.rest.Pages.cursor(id.substring(0, id.length() - 1) + (char) (id.charAt(id.length() - 1) - 1));
    }
}
