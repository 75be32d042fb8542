package io.sipstream.registry;

import static io.sipstream.registry.RegistryApiTest.account;
import static io.sipstream.registry.RegistryApiTest.assertError;
import static io.sipstream.registry.RegistryApiTest.enc;
import static io.sipstream.registry.TestRegistry.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.localstack.LocalStackExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Idempotency-Key header of the registry's writes, its records in the real Redis of the local stack. */
@ExtendWith(LocalStackExtension.class)
class RegistryIdempotencyTest {
    static TestRegistry r;
    static final String RUN = Integer.toString(ThreadLocalRandom.current().nextInt(100, 999));

    @BeforeAll
    static void start() {
        r = SharedRegistry.get();
    }

    @Test
    void shouldAnswerARepeatedCreateWithTheFirstAnswerWithoutWritingAgain() {
        String path = "/v1/trunks/idem" + RUN;
        String key = "create-trunk-" + RUN;
        HttpResponse<String> first = r.put(path, "{\"host\": \"10.1.0.1\"}", "Idempotency-Key", key, "If-None-Match", "*");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        String etag = first.headers().firstValue("ETag").orElseThrow();
        String outboxSeq = r.redis.get(r.key("registry:outbox:seq"));

        HttpResponse<String> again = r.put(path, "{\"host\": \"10.1.0.1\"}", "Idempotency-Key", key, "If-None-Match", "*");
        assertThat(again.statusCode()).isEqualTo(201);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.headers().firstValue("ETag")).contains(etag);
        assertThat(again.headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(r.get(path).headers().firstValue("ETag")).as("not written again").contains(etag);
        assertThat(r.redis.get(r.key("registry:outbox:seq"))).as("nothing published again").isEqualTo(outboxSeq);

        assertError(r.put(path, "{\"host\": \"10.1.0.1\"}", "If-None-Match", "*"), 412, "If-None-Match", "exists already");
    }

    @Test
    void shouldRefuseTheSameKeyForAnotherRequest() {
        String key = "reused-" + RUN;
        assertThat(r.put("/v1/trunks/reuse" + RUN, "{\"host\": \"10.2.0.1\"}", "Idempotency-Key", key).statusCode()).isEqualTo(201);

        assertError(r.put("/v1/trunks/reuse" + RUN, "{\"host\": \"10.2.0.2\"}", "Idempotency-Key", key), 422, "Idempotency-Key",
                "another request");
        assertError(r.put("/v1/trunks/other" + RUN, "{\"host\": \"10.2.0.1\"}", "Idempotency-Key", key), 422, "Idempotency-Key",
                "another request");
        assertThat(r.get("/v1/trunks/other" + RUN).statusCode()).isEqualTo(404);
        assertThat(json(r.get("/v1/trunks/reuse" + RUN)).get("host").asText()).isEqualTo("10.2.0.1");
        assertError(r.put("/v1/trunks/reuse" + RUN, "{\"host\": \"10.2.0.2\"}", "Idempotency-Key", ""), 400, "Idempotency-Key", "printable");
    }

    @Test
    void shouldKeepOnlySuccessesSoAFailedWriteCanBeRetriedUnderItsKey() {
        String account = "idemacct" + RUN;
        String numberPath = "/v1/accounts/" + account + "/numbers/" + enc("+1555" + RUN + "6001");
        String key = "number-" + RUN;
        assertThat(r.put(numberPath, null, "Idempotency-Key", key).statusCode()).as("no account yet").isEqualTo(404);
        assertThat(r.put("/v1/accounts/" + account, account("+1555" + RUN + "6000")).statusCode()).isEqualTo(201);

        assertThat(r.put(numberPath, null, "Idempotency-Key", key).statusCode()).isEqualTo(201);
        HttpResponse<String> deleted = r.delete(numberPath, "Idempotency-Key", "release-" + RUN);
        assertThat(deleted.statusCode()).isEqualTo(204);
        HttpResponse<String> deletedAgain = r.delete(numberPath, "Idempotency-Key", "release-" + RUN);
        assertThat(deletedAgain.statusCode()).as("the first answer, not the 404 of a second delete").isEqualTo(204);
        assertThat(deletedAgain.headers().firstValue("ETag")).isEqualTo(deleted.headers().firstValue("ETag"));
        assertThat(r.delete(numberPath).statusCode()).isEqualTo(404);
    }

    @Test
    void shouldKeepRecordsFor24HoursUnderAHashOfCallerAndKey() {
        String key = "ttl-" + RUN;
        assertThat(r.put("/v1/trunks/ttl" + RUN, "{\"host\": \"10.3.0.1\"}", "Idempotency-Key", key).statusCode()).isEqualTo(201);

        List<String> records = new java.util.ArrayList<>();
        r.redis.scanIteration(500, r.key("registry:idempotency:*")).collect(records);
        assertThat(records).isNotEmpty().noneMatch(k -> k.contains(key) || k.contains(TestRegistry.API_KEY));
        for (String record : records) {
            assertThat(Duration.ofMillis(r.redis.pttl(record))).isPositive().isLessThanOrEqualTo(Duration.ofHours(24));
            assertThat(r.redis.get(record)).doesNotContain(TestRegistry.API_KEY);
        }
        assertThat(records.stream().map(r.redis::pttl).max(Long::compare).orElseThrow())
                .as("a finished request's record lasts a day").isGreaterThan(Duration.ofHours(23).toMillis());
    }
}
