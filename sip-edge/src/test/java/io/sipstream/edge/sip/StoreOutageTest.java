package io.sipstream.edge.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.TestUserAgent;
import io.sipstream.localstack.LocalStackExtension;
import java.time.Duration;
import java.util.Map;
import javax.sip.header.RetryAfterHeader;
import javax.sip.message.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Redis down (here: an edge whose redis.url is a port nobody listens on): an INVITE or REGISTER whose credentials
 * must be looked up is answered 503 Service Unavailable with Retry-After (edge.retry.after), a temporary failure of
 * the edge's store, not 500 (a bug). The challenge itself needs no Redis and still comes first.
 */
class StoreOutageTest {
    private static EdgeFixture edge;
    private static TestUserAgent phone;

    @BeforeAll
    static void start() throws Exception {
        int dead = TestUserAgent.freeUdpPort(); // a free port: no Redis there (connections are refused)
        edge = EdgeFixture.start(LocalStackExtension.stack(), Map.of(
                "redis.url", "redis://127.0.0.1:" + dead,
                "redis.timeout", "500ms",
                "edge.retry.after", "7"));
        phone = TestUserAgent.start("outage-phone");
    }

    @AfterAll
    static void stop() {
        if (phone != null) phone.close();
        if (edge != null) edge.close();
    }

    @Test
    void shouldAnswerAnInviteWithCredentials503WithRetryAfterWhenRedisIsDown() throws Exception {
        var call = phone.call(edge.uri("+15557654321"), "alice", "secret-a");
        Response answer = call.awaitFinal(Duration.ofSeconds(10));
        // challenged first, on the SIP thread and without 100 Trying (no Redis needed); then the credentials are looked up
        assertThat(call.statuses()).startsWith(401, 100);
        assertThat(answer.getStatusCode()).isEqualTo(Response.SERVICE_UNAVAILABLE);
        assertThat(((RetryAfterHeader) answer.getHeader(RetryAfterHeader.NAME)).getRetryAfter()).isEqualTo(7);
    }

    @Test
    void shouldAnswerARegister503WithRetryAfterWhenRedisIsDown() throws Exception {
        Response answer = phone.register(edge.uri("bob"), "bob", "pw-b", 300, null);
        assertThat(answer.getStatusCode()).isEqualTo(Response.SERVICE_UNAVAILABLE);
        assertThat(((RetryAfterHeader) answer.getHeader(RetryAfterHeader.NAME)).getRetryAfter()).isEqualTo(7);
    }
}
