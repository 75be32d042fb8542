package io.sipstream.edge.trunk;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallEventType;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.EventTap;
import io.sipstream.edge.support.FakeRouter;
import io.sipstream.edge.support.TestUserAgent;
import io.sipstream.localstack.LocalStackExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import javax.sip.message.Request;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Trunk health by OPTIONS: a trunk that never answers goes down after edge.trunk.down.after failed probes, calls skip
 * it without waiting the target timeout, and it is up again as soon as something answers there.
 */
@ExtendWith(LocalStackExtension.class)
class TrunkHealthTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** Long, so that a call that waited for the dead trunk would show. */
    private static final Duration TARGET_TIMEOUT = Duration.ofSeconds(12);
    private static final String API_KEY = "test-api-key-0123456789";
    private EdgeFixture edge;
    private FakeRouter router;
    private EventTap events;
    private TestUserAgent phone;
    private TestUserAgent alive;
    private int deadPort;

    @BeforeEach
    void start() throws Exception {
        edge = EdgeFixture.start(LocalStackExtension.stack(), Map.of("edge.id", "4",
                "edge.target.timeout", TARGET_TIMEOUT.toSeconds() + "s", "edge.trunk.down.after", "2"));
        edge.ctx.admin().start();
        router = new FakeRouter(edge.kafka, 4);
        events = new EventTap(edge.kafka);
        phone = TestUserAgent.start("health-phone");
        alive = TestUserAgent.start("alive-trunk");
        deadPort = TestUserAgent.freeUdpPort(); // nobody listens here
        edge.publishTrunk(EdgeFixture.trunk("dead", deadPort).setOptionsInterval(1).build());
        edge.publishTrunk(EdgeFixture.trunk("alive", alive.port()).setOptionsInterval(1).build());
        edge.publishTrunk(EdgeFixture.trunk("unprobed", deadPort).setOptionsInterval(0).build());
    }

    @AfterEach
    void stop() {
        phone.close();
        alive.close();
        router.close();
        events.close();
        edge.ctx.admin().close();
        edge.close();
    }

    @Test
    void shouldSkipADeadTrunkAtOnceAndTakeItBackWhenItAnswers() throws Exception {
        TrunkHealth health = edge.edge.trunkHealth();
        Awaitility.await().atMost(WAIT).until(() -> health.isDown("dead"));
        assertThat(health.isDown("alive")).isFalse();
        assertThat(health.isDown("unprobed")).as("a trunk not probed is never down").isFalse();
        assertThat(alive.requests()).anyMatch(r -> r.getMethod().equals(Request.OPTIONS));

        HttpResponse<String> view = get("/v1/trunks/dead/health", API_KEY);
        assertThat(view.statusCode()).isEqualTo(200);
        assertThat(view.body()).contains("\"state\":\"down\"", "\"downAfter\":2", "no answer within 1000 ms");
        assertThat(get("/v1/trunks/dead/health", null).statusCode()).as("an admin endpoint needs the key").isEqualTo(401);
        assertThat(get("/v1/trunks/nosuch/health", API_KEY).statusCode()).isEqualTo(404);
        assertThat(get("/v1/trunks/unprobed/health", API_KEY).body()).contains("\"state\":\"not probed\"");
        assertThat(edge.ctx.metrics().scrape()).contains("sipstream_edge_trunk_up{trunk=\"dead\"} 0.0",
                "sipstream_edge_trunk_up{trunk=\"alive\"} 1.0");

        // a call whose verdict lists the dead trunk first goes straight to the second
        edge.account("hunter", "pw-hunter", true);
        router.policy(a -> route(a, trunk("dead", "sip:+15557654321@127.0.0.1:" + deadPort, "+15551230001"),
                trunk("alive", "sip:+15557654321@127.0.0.1:" + alive.port(), "+15551230001")).build());
        long started = System.nanoTime();
        var call = phone.call(edge.uri("+15557654321"), "hunter", "pw-hunter");
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(took).as("no target timeout spent on the dead trunk").isLessThan(TARGET_TIMEOUT);
        assertThat(events.await(call.callId(), CallEventType.ANSWERED, WAIT).getTrunkId()).isEqualTo("alive");
        call.bye();

        // something answers on the dead trunk's port: the next probe finds it up
        try (TestUserAgent revived = TestUserAgent.startOn("revived-trunk", deadPort)) {
            Awaitility.await().atMost(WAIT).until(() -> !health.isDown("dead"));
            assertThat(revived.requests()).anyMatch(r -> r.getMethod().equals(Request.OPTIONS));
            assertThat(get("/v1/trunks/dead/health", API_KEY).body()).contains("\"state\":\"up\"", "answered 200");
            assertThat(edge.ctx.metrics().scrape()).contains("sipstream_edge_trunk_up{trunk=\"dead\"} 1.0");
        }
    }

    @Test
    void shouldStopProbingATrunkWhoseIntervalBecomesZero() throws Exception {
        Awaitility.await().atMost(WAIT).until(() -> edge.edge.trunkHealth().isDown("dead"));
        edge.publishTrunk(EdgeFixture.trunk("dead", deadPort).setOptionsInterval(0).setVersion(2).build());
        Awaitility.await().atMost(WAIT).until(() -> !edge.edge.trunkHealth().isDown("dead"));
        assertThat(edge.ctx.metrics().scrape()).doesNotContain("sipstream_edge_trunk_up{trunk=\"dead\"}");
    }

    private HttpResponse<String> get(String path, String key) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.ctx.admin().port() + path));
        if (key != null) r.header("Authorization", "Bearer " + key);
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
        }
    }
}
