package io.sipstream.edge.livecalls;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.HangupParty;
import io.sipstream.edge.call.B2buaCall;
import io.sipstream.edge.support.CallIdMatch;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.EventTap;
import io.sipstream.edge.support.FakeRouter;
import io.sipstream.edge.support.TestUserAgent;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.platform.http.Json;
import io.sipstream.platform.http.OpenApiAssertions;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import javax.sip.message.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Given an edge with two calls of one account, one answered by its trunk and one still ringing on another,
 * when an operator lists, reads and hangs them up on the edge's admin server, then the list shows both
 * (in pages, by account), a DELETE of the ringing call cancels its trunk's leg and answers the caller 487,
 * a DELETE of the answered call sends BYE to both sides, and the closing events say the operator ended them.
 */
@ExtendWith(LocalStackExtension.class)
class LiveCallsApiTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String KEY = "test-api-key-0123456789";
    private final HttpClient http = HttpClient.newHttpClient();
    private int port;

    @Test
    void shouldListReadAndHangUpTheCallsInProgress(LocalStack stack) throws Exception {
        try (EdgeFixture edge = EdgeFixture.start(stack, Map.of("edge.id", "4"));
             FakeRouter router = new FakeRouter(edge.kafka, 4);
             EventTap events = new EventTap(edge.kafka);
             TestUserAgent phone = TestUserAgent.start("ops-phone");
             TestUserAgent answering = TestUserAgent.start("ops-trunk-answers");
             TestUserAgent ringing = TestUserAgent.start("ops-trunk-rings").onInvite(TestUserAgent.IncomingCall::ring)) {
            edge.ctx.admin().start(); // the fixture mounts the routes but starts no admin server
            port = edge.ctx.admin().port();
            try {
                // the edge's server documents what it answers: its calls and trunk health, and the probes
                OpenApiAssertions.assertCompleteAndValid(edge.ctx.admin(), get("/v1/openapi.json").toString());
                edge.account("ops", "pw-ops", true);
                edge.publishTrunk(EdgeFixture.trunk("ops-t1", answering.port()).build());
                edge.publishTrunk(EdgeFixture.trunk("ops-t2", ringing.port()).build());
                router.policy(a -> a.getDialled().contains("1111")
                        ? route(a, trunk("ops-t1", "sip:+15551111111@127.0.0.1:" + answering.port(), null)).build()
                        : route(a, trunk("ops-t2", "sip:+15552222222@127.0.0.1:" + ringing.port(), null)).build());

                // Given an answered call, then a call ringing
                var talking = phone.call(edge.uri("+15551111111"), "ops", "pw-ops");
                assertThat(talking.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
                var setup = phone.call(edge.uri("+15552222222"), "ops", "pw-ops");
                setup.awaitStatus(180, WAIT);
                var ringingLeg = ringing.awaitIncoming(WAIT);

                // When the operator lists them: oldest first, with what each is doing
                JsonNode all = await().atMost(WAIT).until(() -> get("/v1/calls"), page -> page.get("items").size() == 2);
                JsonNode first = all.get("items").get(0);
                JsonNode second = all.get("items").get(1);
                assertThat(CallIdMatch.matches(first.get("callId").asText(), talking.callId())).as(first.toString()).isTrue();
                assertThat(first.get("accountId").asText()).isEqualTo("ops");
                assertThat(first.get("direction").asText()).isEqualTo("OUTBOUND");
                assertThat(first.get("callerId").asText()).isEqualTo("+15551230001");
                assertThat(first.get("destination").asText()).isEqualTo("+15557654321");
                assertThat(first.get("trunkId").asText()).isEqualTo("ops-t1");
                assertThat(first.get("state").asText()).isEqualTo("ANSWERED");
                assertThat(first.get("answeredAt").isTextual()).isTrue();
                assertThat(first.get("durationMillis").asLong()).isNotNegative();
                assertThat(CallIdMatch.matches(second.get("callId").asText(), setup.callId())).as(second.toString()).isTrue();
                assertThat(second.get("state").asText()).isEqualTo("DIALLING");
                assertThat(second.get("trunkId").asText()).isEqualTo("ops-t2");
                assertThat(second.get("answeredAt").isNull()).isTrue();
                assertThat(all.get("next").isNull()).isTrue();

                // in pages, and by account
                JsonNode page1 = get("/v1/calls?limit=1");
                assertThat(page1.get("items").findValuesAsText("callId")).containsExactly(first.get("callId").asText());
                JsonNode page2 = get("/v1/calls?limit=1&cursor=" + page1.get("next").asText());
                assertThat(page2.get("items").findValuesAsText("callId")).containsExactly(second.get("callId").asText());
                assertThat(page2.get("next").isNull()).isTrue();
                assertThat(get("/v1/calls?account=ops").get("items")).hasSize(2);
                assertThat(get("/v1/calls?account=someone-else").get("items")).isEmpty();
                assertThat(get("/v1/calls/" + encode(first.get("callId").asText())).get("state").asText()).isEqualTo("ANSWERED");
                assertThat(send("GET", "/v1/calls/no-such-call", KEY).statusCode()).isEqualTo(404);
                assertThat(send("GET", "/v1/calls?limit=0", KEY).statusCode()).isEqualTo(400);
                assertThat(send("GET", "/v1/calls", null).statusCode()).isEqualTo(401);
                assertThat(send("DELETE", "/v1/calls/" + encode(first.get("callId").asText()), null).statusCode()).isEqualTo(401);
                assertThat(edge.edge.callsInProgress()).isEqualTo(2);

                // Then a DELETE of the ringing call cancels the trunk's leg and answers the caller
                assertThat(send("DELETE", "/v1/calls/" + encode(second.get("callId").asText()), KEY).statusCode()).isEqualTo(204);
                assertThat(setup.awaitFinal(WAIT).getStatusCode()).isEqualTo(487);
                assertThat(ringing.receivedWithin(Request.CANCEL, ringingLeg.callId(), WAIT)).isTrue();
                CallEvent failed = events.await(setup.callId(), CallEventType.FAILED, WAIT);
                assertThat(failed.getReason()).isEqualTo(B2buaCall.ENDED_BY_OPERATOR);
                assertThat(failed.getHangupBy()).isEqualTo(HangupParty.SYSTEM);

                // and a DELETE of the answered call sends BYE to both sides
                assertThat(send("DELETE", "/v1/calls/" + encode(first.get("callId").asText()), KEY).statusCode()).isEqualTo(204);
                assertThat(phone.receivedWithin(Request.BYE, talking.callId(), WAIT)).as("BYE to the caller").isTrue();
                assertThat(answering.receivedWithin(Request.BYE, null, WAIT)).as("BYE to the trunk").isTrue();
                CallEvent ended = events.await(talking.callId(), CallEventType.ENDED, WAIT);
                assertThat(ended.getReason()).isEqualTo(B2buaCall.ENDED_BY_OPERATOR);
                assertThat(ended.getHangupBy()).isEqualTo(HangupParty.SYSTEM);
                assertThat(ended.getSipStatus()).isEqualTo(200);

                assertThat(send("DELETE", "/v1/calls/" + encode(first.get("callId").asText()), KEY).statusCode()).isEqualTo(404);
                assertThat(get("/v1/calls").get("items")).isEmpty();
                assertThat(edge.edge.callsInProgress()).isZero();
            } finally {
                edge.ctx.admin().close();
            }
        }
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> response = send("GET", path, KEY);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return Json.MAPPER.readTree(response.body());
    }

    private HttpResponse<String> send(String method, String path, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody());
        if (key != null) request.header("Authorization", "Bearer " + key);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String encode(String id) { return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20"); }
}
