package io.sipstream.registry;

import static io.sipstream.registry.TestRegistry.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.localstack.LocalStackExtension;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Racing writers: no change silently lost, and If-Match lets exactly one of two editors win. */
@ExtendWith(LocalStackExtension.class)
class ConcurrencyTest {
    static TestRegistry r;

    @BeforeAll
    static void start() {
        r = SharedRegistry.get();
    }

    @Test
    void shouldApplyEveryRacingWriteWithoutLosingOne() throws Exception {
        r.put("/v1/accounts/race1", "{\"displayName\": \"race\"}");
        int writers = 12;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> results = new ArrayList<>();
        try {
            for (int i = 0; i < writers; i++) {
                String number = String.format("+1555333%04d", i);
                results.add(pool.submit(() -> {
                    go.await();
                    return r.put("/v1/accounts/race1/numbers/" + number.replace("+", "%2B"), null);
                }));
            }
            // and a writer replacing the account itself, in the middle of them
            results.add(pool.submit(() -> {
                go.await();
                return r.put("/v1/accounts/race1", "{\"displayName\": \"renamed\"}");
            }));
            go.countDown();
            for (Future<HttpResponse<String>> f : results) assertThat(f.get().statusCode()).as(f.get().body()).isIn(200, 201);
        } finally {
            pool.shutdownNow();
        }
        var account = json(r.get("/v1/accounts/race1"));
        Set<String> numbers = new java.util.HashSet<>();
        account.get("numbers").forEach(n -> numbers.add(n.asText()));
        Set<String> expected = IntStream.range(0, writers).mapToObj(i -> String.format("+1555333%04d", i)).collect(Collectors.toSet());
        assertThat(numbers).isEqualTo(expected);
        assertThat(account.get("displayName").asText()).isEqualTo("renamed");
        for (String n : expected) assertThat(r.redis.get(r.key("number:" + n))).isEqualTo("race1");
    }

    @Test
    void shouldLetOnlyOneOfTwoEditorsWithTheSameVersionWin() throws Exception {
        String etag = r.put("/v1/accounts/race2", "{\"displayName\": \"v1\"}").headers().firstValue("ETag").orElseThrow();
        for (int round = 0; round < 5; round++) {
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                final String seen = etag;
                Future<HttpResponse<String>> a = pool.submit(() -> { go.await(); return r.put("/v1/accounts/race2", "{\"displayName\": \"a\"}", "If-Match", seen); });
                Future<HttpResponse<String>> b = pool.submit(() -> { go.await(); return r.put("/v1/accounts/race2", "{\"displayName\": \"b\"}", "If-Match", seen); });
                go.countDown();
                List<Integer> statuses = List.of(a.get().statusCode(), b.get().statusCode());
                assertThat(statuses).containsExactlyInAnyOrder(200, 412);
                HttpResponse<String> winner = a.get().statusCode() == 200 ? a.get() : b.get();
                assertThat(json(r.get("/v1/accounts/race2")).get("displayName").asText()).isEqualTo(json(winner).get("displayName").asText());
                etag = winner.headers().firstValue("ETag").orElseThrow();
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void shouldGiveARacedNumberToExactlyOneAccount() throws Exception {
        int accounts = 6;
        for (int i = 0; i < accounts; i++) r.put("/v1/accounts/claim" + i, "{}");
        ExecutorService pool = Executors.newFixedThreadPool(accounts);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> results = new ArrayList<>();
        try {
            for (int i = 0; i < accounts; i++) {
                String id = "claim" + i;
                results.add(pool.submit(() -> { go.await(); return r.put("/v1/accounts/" + id + "/numbers/%2B15553339999", null); }));
            }
            go.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (Future<HttpResponse<String>> f : results) statuses.add(f.get().statusCode());
            assertThat(statuses).filteredOn(s -> s == 201).hasSize(1);
            assertThat(statuses).filteredOn(s -> s == 409).hasSize(accounts - 1);
        } finally {
            pool.shutdownNow();
        }
        String owner = r.redis.get(r.key("number:+15553339999"));
        int holders = 0;
        for (int i = 0; i < accounts; i++) {
            if (json(r.get("/v1/accounts/claim" + i)).get("numbers").toString().contains("+15553339999")) {
                holders++;
                assertThat(owner).isEqualTo("claim" + i);
            }
        }
        assertThat(holders).isEqualTo(1);
    }
}
