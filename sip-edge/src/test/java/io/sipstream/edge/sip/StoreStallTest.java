package io.sipstream.edge.sip;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.FakeRouter;
import io.sipstream.edge.support.TestUserAgent;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.localstack.RedisServer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.sip.header.RetryAfterHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * A Redis that stops answering (CLIENT PAUSE on a real redis-server of the edge's own: every command waits)
 * must cost callers a quick 503, not a wait: the edge's pool (2 connections here) waits a bounded time for a
 * connection, its I/O executor takes a bounded number of requests (4 here), and the rest are refused at once.
 * A trunk's challenge met by the stall fails that trunk: the call fails over, or is answered, and ends.
 */
class StoreStallTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static RedisServer redis;
    private static LocalStack stack;
    private static EdgeFixture edge;
    private static FakeRouter router;
    private static TestUserAgent phone;
    private final List<TestUserAgent> trunks = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        stack = LocalStackExtension.stack();
        redis = RedisServer.start(Files.createTempDirectory("stalling-redis"), 0, stack.redisPassword().orElse(null));
        edge = EdgeFixture.start(stack, Map.of(
                "edge.id", "3", // the shared edge's router answers partition 1 for the whole run
                "redis.url", "redis://127.0.0.1:" + redis.port(),
                "redis.pool.size", "2",
                "edge.io.max.tasks", "4",
                "edge.retry.after", "7"));
        router = new FakeRouter(edge.kafka, 3);
        phone = TestUserAgent.start("stall-phone");
        edge.account("alice", "secret-a", true);
    }

    @AfterAll
    static void stop() {
        if (phone != null) phone.close();
        if (router != null) router.close();
        if (edge != null) edge.close();
        if (redis != null) redis.close();
    }

    @AfterEach
    void resume() {
        trunks.forEach(TestUserAgent::close);
        router.policy(a -> null);
        awaitRedis();
    }

    /** Redis answers no client's command for this long (CLIENT PAUSE ... ALL); this one is answered at once. */
    private static void stall(Duration d) { command(j -> j.clientPause(d.toMillis())); }

    /** Until the stall is over (Redis 6.2 holds even CLIENT UNPAUSE while paused). */
    private static void awaitRedis() { command(Jedis::ping); }

    private static void command(java.util.function.Consumer<Jedis> c) {
        try (Jedis j = new Jedis("127.0.0.1", redis.port(), (int) WAIT.toMillis())) {
            stack.redisPassword().ifPresent(j::auth);
            c.accept(j);
        }
    }

    @Test
    void shouldAnswerEveryCallerAndRegistration503WithinASecondWhileRedisStalls() throws Exception {
        stall(Duration.ofSeconds(3));
        // more requests than connections (2) and than the executor takes (4): none may wait for the ones before it
        List<CompletableFuture<Long>> waits = new ArrayList<>();
        List<TestUserAgent.OutgoingCall> calls = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            long[] sentAt = {System.nanoTime()}; // the first INVITE, refused before its challenge when the executor is full
            var call = phone.call(edge.uri("+15557654321"), "alice", "secret-a", Map.of(),
                    c -> c.beforeAuthenticatedRetry(() -> sentAt[0] = System.nanoTime()));
            calls.add(call);
            waits.add(CompletableFuture.supplyAsync(() -> {
                try {
                    call.awaitFinal(WAIT);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return Duration.ofNanos(System.nanoTime() - sentAt[0]).toMillis();
            }, r -> Thread.ofVirtual().start(r)));
        }
        long registerAt = System.nanoTime();
        Response registered = phone.register(edge.uri("alice"), "alice", "secret-a", 300, null);
        long registerMillis = Duration.ofNanos(System.nanoTime() - registerAt).toMillis();

        for (int i = 0; i < calls.size(); i++) {
            long millis = waits.get(i).get();
            Response answer = calls.get(i).awaitStatus(Response.SERVICE_UNAVAILABLE, Duration.ofSeconds(1));
            assertThat(((RetryAfterHeader) answer.getHeader(RetryAfterHeader.NAME)).getRetryAfter()).isEqualTo(7);
            assertThat(millis).as("call %d: its last INVITE answered 503 after %d ms", i, millis).isLessThan(1000);
        }
        assertThat(registered.getStatusCode()).isEqualTo(Response.SERVICE_UNAVAILABLE);
        assertThat(registerMillis).as("the REGISTER (challenge and retry) answered after %d ms", registerMillis).isLessThan(1000);

        awaitRedis();
        router.policy(a -> FakeRouter.reject(a, 404, "no such number"));
        var after = phone.call(edge.uri("+15557654321"), "alice", "secret-a");
        assertThat(after.awaitFinal(WAIT).getStatusCode()).as("served again once Redis answers").isEqualTo(404);
    }

    @Test
    void shouldFailOverToTheNextTrunkWhenATrunksChallengeMeetsAStalledRedis() throws Exception {
        TestUserAgent challenging = challengingTrunk("stall-t1");
        TestUserAgent next = trunkAgent("stall-t2");
        edge.publishTrunk(EdgeFixture.trunk("stall-t1", challenging.port()).setHasCredentials(true).build());
        edge.publishTrunk(EdgeFixture.trunk("stall-t2", next.port()).build());
        edge.trunkCredentials("stall-t1", "edge-user", "trunk-pass", "provider");
        router.policy(a -> route(a, trunk("stall-t1", "sip:+15557654321@127.0.0.1:" + challenging.port(), "+15551230001"),
                trunk("stall-t2", "sip:+15557654321@127.0.0.1:" + next.port(), "+15551230001")).build());

        var call = phone.call(edge.uri("+15557654321"), "alice", "secret-a");

        assertThat(call.awaitFinal(WAIT).getStatusCode()).as("answered by the next trunk").isEqualTo(200);
        assertThat(next.awaitRequest(Request.INVITE, WAIT)).isNotNull();
        call.bye();
        Awaitility.await().atMost(WAIT).until(() -> edge.edge.callsInProgress() == 0);
    }

    @Test
    void shouldAnswerTheCallerAndEndTheCallWhenTheOnlyTrunksChallengeMeetsAStalledRedis() throws Exception {
        TestUserAgent challenging = challengingTrunk("stall-only");
        edge.publishTrunk(EdgeFixture.trunk("stall-only", challenging.port()).setHasCredentials(true).build());
        edge.trunkCredentials("stall-only", "edge-user", "trunk-pass", "provider");
        router.policy(a -> route(a, trunk("stall-only", "sip:+15557654321@127.0.0.1:" + challenging.port(), "+15551230001")).build());

        var call = phone.call(edge.uri("+15557654321"), "alice", "secret-a");

        // the trunk's challenge is not the caller's to answer: 503, as when no credentials answer it
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.SERVICE_UNAVAILABLE);
        Awaitility.await().atMost(WAIT).until(() -> edge.edge.callsInProgress() == 0);
    }

    /** A trunk that stalls the edge's Redis, then challenges the INVITE: reading its credentials meets the stall. */
    private TestUserAgent challengingTrunk(String name) throws Exception {
        return trunkAgent(name).onInvite(c -> {
            stall(Duration.ofSeconds(3));
            c.respond(401, Map.of("WWW-Authenticate", "Digest realm=\"provider\", nonce=\"n0nce\", qop=\"auth\", algorithm=MD5"));
        });
    }

    private TestUserAgent trunkAgent(String name) throws Exception {
        TestUserAgent agent = TestUserAgent.start(name);
        trunks.add(agent);
        return agent;
    }
}
