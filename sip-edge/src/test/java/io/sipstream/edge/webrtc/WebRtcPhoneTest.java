package io.sipstream.edge.webrtc;

import static io.sipstream.edge.support.FakeRouter.registered;
import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Direction;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.EventTap;
import io.sipstream.edge.support.FakeRouter;
import io.sipstream.edge.support.Sipp;
import io.sipstream.edge.support.TestUserAgent;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A browser as the phone: JsSIP in headless Chromium (fake microphone) registers with the edge over secure WebSocket
 * or WebSocket (RFC 7118), calls out through it to a SIPp trunk, and is called by a SIPp carrier over the connection
 * it registered on. Signalling only: this edge has no media relay, so the carrier's SDP is plain RTP, which the test
 * page (webrtc/phone.html) dresses up so that Chromium accepts it, and no media flows (WebRtcMediaTest anchors the
 * same calls in rtpengine, with audio). Fails, never skips, where Chromium or SIPp is missing; CI installs both.
 */
@ExtendWith(LocalStackExtension.class)
class WebRtcPhoneTest {
    private static final Duration WAIT = BrowserPhone.WAIT;
    private static final String DOMAIN = BrowserPhone.DOMAIN;
    private static EdgeFixture edge;
    private static FakeRouter router;
    private static EventTap events;
    private static HttpServer pages;
    private static int wsPort;
    private static int wssPort;
    private BrowserPhone browser;
    private Path work;

    @BeforeAll
    static void edge(LocalStack stack) throws Exception {
        wsPort = TestUserAgent.freeUdpPort();
        wssPort = TestUserAgent.freeUdpPort();
        edge = BrowserPhone.startEdge(stack, wsPort, wssPort, Map.of());
        router = new FakeRouter(edge.kafka, 7);
        events = new EventTap(edge.kafka);
        pages = BrowserPhone.servePages();
    }

    @AfterAll
    static void close() {
        if (pages != null) pages.stop(0);
        if (events != null) events.close();
        if (router != null) router.close();
        if (edge != null) edge.close();
    }

    @BeforeEach
    void browser() throws Exception {
        work = Files.createTempDirectory("webrtc-phone");
        // the edge's certificate is this test's own, self-signed
        browser = BrowserPhone.open(work, pages, "--ignore-certificate-errors");
        router.clear();
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) browser.close();
    }

    @Test
    void shouldRegisterOverWssAndCallATrunkThroughTheEdge() throws Exception {
        // Given a browser registered over WSS, and a SIPp trunk that answers every call
        edge.account("webrtc-ann", "pw-webrtc-ann", true);
        int trunkPort = TestUserAgent.freeUdpPort();
        // not probed: SIPp takes the first OPTIONS for its one call (-m 1), and the INVITE would find it done
        edge.publishTrunk(EdgeFixture.trunk("webrtc-out", trunkPort).setOptionsInterval(0).build());
        router.policy(a -> route(a, trunk("webrtc-out", "sip:+15557654321@127.0.0.1:" + trunkPort, "+15551230007")).build());
        Process trunk = Sipp.start(work, "-sn", "uas", "-aa", "-i", "127.0.0.1", "-p", Integer.toString(trunkPort));
        try {
            Sipp.awaitUdpBound(trunkPort, WAIT);
            browser.register("wss://127.0.0.1:" + wssPort, "webrtc-ann", "pw-webrtc-ann", false);
            assertThat(openConnections()).as("the browser's WSS connection is under the edge's connection guard").isGreaterThanOrEqualTo(1);

            // When it calls a number
            browser.script("call(arguments[0])", "sip:+15557654321@" + DOMAIN);

            // Then the trunk answers, the browser's dialog is confirmed, and the call is reported answered
            browser.awaitEvent("confirmed");
            String callId = (String) browser.script("return phone.callId");
            assertThat(events.await(callId, CallEventType.ANSWERED, WAIT).getAccountId()).isEqualTo("webrtc-ann");

            // When the browser hangs up, Then the BYE reaches the trunk (SIPp ends its one call well) and the call ends
            browser.script("hangUp()");
            browser.awaitEvent("ended:local:Terminated");
            assertThat(events.await(callId, CallEventType.ENDED, WAIT)).isNotNull();
            assertThat(Sipp.await(trunk, work)).as("sipp exit code (0: the trunk's call completed)").isZero();
        } finally {
            trunk.destroy();
        }
    }

    @Test
    void shouldDeliverAnInboundCallToTheBrowserOverItsWebSocket() throws Exception {
        // Given a browser registered over WS that answers calls, and a SIPp carrier on a trunk's allow-list
        edge.account("webrtc-bob", "pw-webrtc-bob", true);
        int carrierPort = TestUserAgent.freeUdpPort();
        edge.publishTrunk(EdgeFixture.trunk("webrtc-in", carrierPort).setOptionsInterval(0)
                .setAllowedCidrs(List.of("127.0.0.1/32:" + carrierPort)).build());
        router.policy(a -> a.getDirection() == Direction.INBOUND ? route(a, registered("webrtc-bob")).setAccountId("webrtc-bob").build() : null);
        browser.register("ws://127.0.0.1:" + wsPort, "webrtc-bob", "pw-webrtc-bob", true);

        // When the carrier calls the account's number (and hangs up after 2 s)
        Process carrier = Sipp.start(work, "-sn", "uac", "-s", "+15550001007", "-d", "2000", "-i", "127.0.0.1",
                "-p", Integer.toString(carrierPort), "127.0.0.1:" + edge.sipPort);
        try {
            // Then the INVITE reaches the browser over its connection (its Contact is a .invalid host), it answers,
            // and the carrier's BYE follows it there
            browser.awaitEvent("newRTCSession:remote");
            browser.awaitEvent("confirmed");
            browser.awaitEvent("ended:remote:Terminated");
            assertThat(Sipp.await(carrier, work)).as("sipp exit code (0: the carrier's call completed)").isZero();
            // the carrier's Call-ID is SIPp's own: the call is found by its account
            String callId = events.await(e -> e.getType() == CallEventType.ANSWERED && "webrtc-bob".equals(e.getAccountId()), WAIT).getCallId();
            assertThat(events.await(e -> e.getType() == CallEventType.ENDED && callId.equals(e.getCallId()), WAIT)).isNotNull();
        } finally {
            carrier.destroy();
        }
    }

    private static double openConnections() {
        return edge.ctx.metrics().get("sipstream.edge.sip.connections").gauge().value();
    }
}
