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
import io.sipstream.edge.support.TestKeystore;
import io.sipstream.edge.support.TestUserAgent;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.localstack.browser.HeadlessChromium;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A browser as the phone: JsSIP in headless Chromium (fake microphone) registers with the edge over secure WebSocket
 * or WebSocket (RFC 7118), calls out through it to a SIPp trunk, and is called by a SIPp carrier over the connection
 * it registered on. Signalling only: the carrier's SDP is plain RTP, which the browser cannot take until the edge
 * anchors WebRTC legs in rtpengine (issue 17, CallLeg#webRtc() is the hook); the test page (webrtc/phone.html) dresses
 * it up so that Chromium accepts it, and no media flows. Skipped where Chromium or SIPp is missing; CI installs both.
 */
@ExtendWith(LocalStackExtension.class)
class WebRtcPhoneTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String DOMAIN = "sipstream.local";
    private static EdgeFixture edge;
    private static FakeRouter router;
    private static EventTap events;
    private static HttpServer pages;
    private static int wsPort;
    private static int wssPort;
    private HeadlessChromium browser;
    private Path work;

    @BeforeAll
    static void edge(LocalStack stack) throws Exception {
        Assertions.assertTrue(HeadlessChromium.installed(), HeadlessChromium.INSTALL);
        Assertions.assertTrue(Sipp.find().isPresent(), Sipp.INSTALL);
        Path keystore = TestKeystore.create(Files.createTempDirectory("webrtc-tls"));
        wsPort = TestUserAgent.freeUdpPort();
        wssPort = TestUserAgent.freeUdpPort();
        // JsSIP (3.13.8) answers only an MD5 challenge, and reads only the last of a 401's challenges: the edge's default
        // order (SHA-256, then MD5) suits it; MD5 first (for SIPp, for phones that read the first) would not
        edge = EdgeFixture.start(stack, Map.of("edge.id", "7",
                "edge.tls.keystore", keystore.toString(), "edge.tls.keystore.password", TestKeystore.PASSWORD,
                "sip.tls.port", Integer.toString(TestUserAgent.freeUdpPort()),
                "sip.ws.port", Integer.toString(wsPort), "sip.wss.port", Integer.toString(wssPort)));
        router = new FakeRouter(edge.kafka, 7);
        events = new EventTap(edge.kafka);
        pages = servePages();
    }

    /** The test page and JsSIP, from the test's resources (http on 127.0.0.1 is a secure context: the microphone is allowed). */
    private static HttpServer servePages() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            // JsSIP is the web module's, which the portal's dialpad serves
            String resource = path.startsWith("/jssip/") ? "/web" + path : "/webrtc" + path;
            try (exchange; InputStream in = path.contains("..") ? null : WebRtcPhoneTest.class.getResourceAsStream(resource)) {
                if (in == null) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                byte[] body = in.readAllBytes();
                exchange.getResponseHeaders().set("Content-Type", path.endsWith(".js") ? "text/javascript" : "text/html; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.start();
        return server;
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
        browser = HeadlessChromium.start(work.resolve("chromium"), "--ignore-certificate-errors");
        browser.driver().get("http://127.0.0.1:" + pages.getAddress().getPort() + "/phone.html");
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
            register("wss://127.0.0.1:" + wssPort, "webrtc-ann", "pw-webrtc-ann", false);
            assertThat(openConnections()).as("the browser's WSS connection is under the edge's connection guard").isGreaterThanOrEqualTo(1);

            // When it calls a number
            browser.script("call(arguments[0])", "sip:+15557654321@" + DOMAIN);

            // Then the trunk answers, the browser's dialog is confirmed, and the call is reported answered
            awaitEvent("confirmed");
            String callId = (String) browser.script("return phone.callId");
            assertThat(events.await(callId, CallEventType.ANSWERED, WAIT).getAccountId()).isEqualTo("webrtc-ann");

            // When the browser hangs up, Then the BYE reaches the trunk (SIPp ends its one call well) and the call ends
            browser.script("hangUp()");
            awaitEvent("ended:local:Terminated");
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
        register("ws://127.0.0.1:" + wsPort, "webrtc-bob", "pw-webrtc-bob", true);

        // When the carrier calls the account's number (and hangs up after 2 s)
        Process carrier = Sipp.start(work, "-sn", "uac", "-s", "+15550001007", "-d", "2000", "-i", "127.0.0.1",
                "-p", Integer.toString(carrierPort), "127.0.0.1:" + edge.sipPort);
        try {
            // Then the INVITE reaches the browser over its connection (its Contact is a .invalid host), it answers,
            // and the carrier's BYE follows it there
            awaitEvent("newRTCSession:remote");
            awaitEvent("confirmed");
            awaitEvent("ended:remote:Terminated");
            assertThat(Sipp.await(carrier, work)).as("sipp exit code (0: the carrier's call completed)").isZero();
            // the carrier's Call-ID is SIPp's own: the call is found by its account
            String callId = events.await(e -> e.getType() == CallEventType.ANSWERED && "webrtc-bob".equals(e.getAccountId()), WAIT).getCallId();
            assertThat(events.await(e -> e.getType() == CallEventType.ENDED && callId.equals(e.getCallId()), WAIT)).isNotNull();
        } finally {
            carrier.destroy();
        }
    }

    private void register(String wsUri, String user, String password, boolean autoAnswer) {
        browser.script("startPhone(arguments[0], arguments[1], arguments[2], arguments[3])", wsUri, "sip:" + user + "@" + DOMAIN,
                password, autoAnswer);
        await("registered", () -> Boolean.TRUE.equals(browser.script("return phone.registered")));
    }

    private void awaitEvent(String event) {
        await(event, () -> ((List<?>) browser.script("return phone.events")).contains(event));
    }

    private void await(String what, java.util.concurrent.Callable<Boolean> condition) {
        try {
            Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(condition);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("the browser's phone never got to '" + what + "'; its events: " + browser.script("return phone.events")
                    + "\nthe SIP it sent and received:\n" + sipOf(browser.console()), e);
        }
    }

    /** The first line of each message JsSIP sent or received, and the page's own notes: enough to see where it stopped. */
    private static String sipOf(String console) {
        StringBuilder out = new StringBuilder();
        for (String line : console.split("\n")) {
            int message = line.indexOf("message:\\n\\n");
            if (message >= 0) out.append(line, message, Math.min(line.length(), message + 160)).append('\n');
            else if (line.contains("phone: ")) out.append(line.substring(line.indexOf("phone: "))).append('\n');
        }
        return out.toString();
    }

    private static double openConnections() {
        return edge.ctx.metrics().get("sipstream.edge.sip.connections").gauge().value();
    }
}
