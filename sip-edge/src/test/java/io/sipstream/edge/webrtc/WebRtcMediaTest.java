package io.sipstream.edge.webrtc;

import static io.sipstream.edge.support.FakeRouter.registered;
import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Direction;
import io.sipstream.edge.media.MediaReport;
import io.sipstream.edge.media.ng.NgClient;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.EventTap;
import io.sipstream.edge.support.FakeRouter;
import io.sipstream.edge.support.Sipp;
import io.sipstream.edge.support.TestUserAgent;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.localstack.RtpEngineServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A browser's calls with media: JsSIP in headless Chromium (fake microphone) registers over WSS and calls through the
 * edge to a SIPp trunk that echoes RTP, or over WS and is called by a SIPp carrier that plays RTP. The trunks' media is
 * {@code auto}, and the browser's leg makes the call anchored in a real rtpengine, which bridges the browser's DTLS-SRTP,
 * ICE and rtcp-mux to the trunk's plain RTP. Audio must flow both ways: the browser sends and receives it, rtpengine
 * counts packets on both sides, and so do the call's diagnostics.
 * Fails, never skips, without Chromium, SIPp or rtpengine (CI installs them).
 */
@ExtendWith(LocalStackExtension.class)
class WebRtcMediaTest {
    private static final Duration WAIT = BrowserPhone.WAIT;
    private static final String KEY = "test-api-key-0123456789";
    private static RtpEngineServer rtpengine;
    private static Path rtpengineDir;
    private static EdgeFixture edge;
    private static FakeRouter router;
    private static EventTap events;
    private static HttpServer pages;
    private static int wsPort;
    private static int wssPort;
    private static int adminPort;
    private final HttpClient http = HttpClient.newHttpClient();
    private BrowserPhone browser;
    private Path work;

    @BeforeAll
    static void edge(LocalStack stack) throws Exception {
        rtpengineDir = Files.createTempDirectory("rtpengine-webrtc");
        rtpengine = RtpEngineServer.start(rtpengineDir);
        wsPort = TestUserAgent.freeUdpPort();
        wssPort = TestUserAgent.freeUdpPort();
        edge = BrowserPhone.startEdge(stack, wsPort, wssPort, Map.of("edge.media.rtpengine", rtpengine.ngAddress()));
        router = new FakeRouter(edge.kafka, 7);
        events = new EventTap(edge.kafka);
        pages = BrowserPhone.servePages();
        edge.ctx.admin().start();
        adminPort = edge.ctx.admin().port();
    }

    @AfterAll
    static void close() {
        if (pages != null) pages.stop(0);
        if (events != null) events.close();
        if (router != null) router.close();
        if (edge != null) edge.close();
        if (rtpengine != null) rtpengine.close();
    }

    @BeforeEach
    void browser() throws Exception {
        work = Files.createTempDirectory("webrtc-media");
        // the edge's certificate is this test's own; rtpengine's ICE candidates are on 127.0.0.1, which Chromium
        // leaves out of its own candidates unless told
        browser = BrowserPhone.open(work, pages, "--ignore-certificate-errors", "--allow-loopback-in-peer-connection");
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) browser.close();
    }

    @Test
    void shouldBridgeTheBrowsersDtlsSrtpToTheTrunksRtpBothWays() throws Exception {
        // Given a browser registered over WSS, and a trunk whose media is auto, answered by a SIPp that echoes RTP
        edge.account("webrtc-media", "pw-webrtc-media", true);
        int trunkPort = TestUserAgent.freeUdpPort();
        edge.publishTrunk(EdgeFixture.trunk("webrtc-echo", trunkPort).setOptionsInterval(0).setMedia("auto").build());
        router.policy(a -> route(a, trunk("webrtc-echo", "sip:+15557654321@127.0.0.1:" + trunkPort, "+15551230017")).build());
        Process trunk = Sipp.start(work, "-sn", "uas", "-aa", "-rtp_echo", "-trace_msg", "-i", "127.0.0.1",
                "-p", Integer.toString(trunkPort), "-mp", Integer.toString(TestUserAgent.freeUdpPort()));
        try {
            Sipp.awaitUdpBound(trunkPort, WAIT);
            browser.register("wss://127.0.0.1:" + wssPort, "webrtc-media", "pw-webrtc-media", false);

            // When it calls a number
            browser.script("call(arguments[0])", "sip:+15557654321@" + BrowserPhone.DOMAIN);
            browser.awaitEvent("confirmed");
            // the edge's id of the call (rtpengine's call-id), which its events carry too
            String callId = get("/v1/calls?account=webrtc-media").get("items").get(0).get("callId").asText();

            // Then its microphone's audio comes back to it, echoed by the trunk through the relay (DTLS and ICE done),
            // and rtpengine and the call's diagnostics count RTP both ways
            assertAudioBothWays(callId, "the browser hears its echo", MediaReport.CALLER);
            // the trunk was offered plain RTP on the relay's address, never the browser's DTLS-SRTP
            assertThat(Files.readString(messagesOf(work))).contains("m=audio").contains("RTP/AVP").doesNotContain("UDP/TLS/RTP/SAVPF")
                    .doesNotContain("a=fingerprint");

            // When the browser hangs up, Then the call's ENDED event carries the relay's diagnostics: both ways, OK
            browser.script("hangUp()");
            browser.awaitEvent("ended:local:Terminated");
            assertEndedWithAudioBothWays(callId);
        } finally {
            trunk.destroy();
        }
    }

    @Test
    void shouldBridgeACarriersRtpToABrowserItCalls() throws Exception {
        // Given a browser registered over WS that answers calls, and a carrier on a trunk whose media is auto
        edge.account("webrtc-callee", "pw-webrtc-callee", true);
        int carrierPort = TestUserAgent.freeUdpPort();
        edge.publishTrunk(EdgeFixture.trunk("webrtc-carrier", carrierPort).setOptionsInterval(0).setMedia("auto")
                .setAllowedCidrs(List.of("127.0.0.1/32:" + carrierPort)).build());
        router.policy(a -> a.getDirection() == Direction.INBOUND
                ? route(a, registered("webrtc-callee")).setAccountId("webrtc-callee").build() : null);
        browser.register("ws://127.0.0.1:" + wsPort, "webrtc-callee", "pw-webrtc-callee", true);

        // When the carrier calls the account's number and plays audio (plain RTP, G.711 a-law)
        Path scenario = work.resolve("uac_carrier_rtp.xml");
        try (var in = WebRtcMediaTest.class.getResourceAsStream("/sipp/uac_carrier_rtp.xml")) {
            Files.copy(in, scenario);
        }
        Process carrier = Sipp.start(work, "-sf", scenario.toString(), "-s", "+15550001017", "-m", "1", "-trace_msg",
                "-i", "127.0.0.1", "-p", Integer.toString(carrierPort), "-mp", Integer.toString(TestUserAgent.freeUdpPort()),
                "127.0.0.1:" + edge.sipPort);
        try {
            browser.awaitEvent("confirmed");
            String callId = get("/v1/calls?account=webrtc-callee").get("items").get(0).get("callId").asText();

            // Then the browser was offered the relay's WebRTC (its INVITE came anchored), the carrier's audio reaches it,
            // and its microphone's reaches the carrier
            assertAudioBothWays(callId, "the browser hears the carrier", MediaReport.CALLEE);
            // the carrier was answered with plain RTP on the relay's address
            assertThat(Files.readString(messagesOf(work))).contains("SIP/2.0 200").doesNotContain("UDP/TLS/RTP/SAVPF")
                    .doesNotContain("a=fingerprint");

            // When the carrier hangs up, Then the browser's call ends and the ENDED event has the diagnostics
            browser.awaitEvent("ended:remote:Terminated");
            assertThat(Sipp.await(carrier, work)).as("sipp exit code (0: the carrier's call completed)").isZero();
            assertEndedWithAudioBothWays(callId);
        } finally {
            carrier.destroy();
        }
    }

    /**
     * The browser sends and receives audio; rtpengine counts packets from and to both sides, with the browser's
     * ({@code browserSide}) side WebRTC and the other plain RTP; the call's live diagnostics count them too, and find
     * the media good.
     */
    private void assertAudioBothWays(String callId, String heard, String browserSide) throws Exception {
        awaitOr(heard, () -> {
            browser.script("readMedia()");
            return browser.script("return phone.media") instanceof Map<?, ?> m
                    && ((Number) m.get("sent")).longValue() > 20 && ((Number) m.get("received")).longValue() > 20;
        });
        Map<String, Object> answer = new NgClient(new InetSocketAddress("127.0.0.1", rtpengine.ngPort()), Duration.ofSeconds(1), 2)
                .request("query", Map.of("call-id", callId));
        assertThat(MediaReport.of(answer).streams()).as("rtpengine's streams of the call: " + answer).hasSize(2).allSatisfy(s -> {
            assertThat(s.packetsReceived()).as(s.side() + " packets received").isPositive();
            assertThat(s.packetsSent()).as(s.side() + " packets sent").isPositive();
        });
        String otherSide = browserSide.equals(MediaReport.CALLER) ? MediaReport.CALLEE : MediaReport.CALLER;
        assertThat(protocolOf(answer, browserSide)).as("the browser's side at rtpengine").isEqualTo("UDP/TLS/RTP/SAVPF");
        assertThat(protocolOf(answer, otherSide)).as("the SIP side at rtpengine").isEqualTo("RTP/AVP");

        JsonNode media = get("/v1/calls/" + URLEncoder.encode(callId, StandardCharsets.UTF_8) + "/media");
        assertThat(media.get("anchored").asBoolean()).isTrue();
        assertThat(media.get("verdict").asText()).isEqualTo("OK");
        assertThat(media.path("streams")).hasSize(2).allSatisfy(s -> {
            assertThat(s.get("packetsReceived").asLong()).as(s.get("side").asText() + " packets received").isPositive();
            assertThat(s.get("packetsSent").asLong()).as(s.get("side").asText() + " packets sent").isPositive();
        });
    }

    private void assertEndedWithAudioBothWays(String callId) {
        CallEvent ended = events.await(callId, CallEventType.ENDED, WAIT);
        assertThat(ended.getMedia().getVerdict()).isEqualTo("OK");
        assertThat(ended.getMedia().getRelay()).isEqualTo(rtpengine.ngAddress());
        assertThat(ended.getMedia().getStreams()).hasSize(2).allSatisfy(s -> {
            assertThat(s.getPacketsReceived()).isPositive();
            assertThat(s.getPacketsSent()).isPositive();
        });
    }

    /** The media protocol rtpengine speaks with one side (its first media), from an ng query's answer. */
    @SuppressWarnings("unchecked")
    private static String protocolOf(Map<String, Object> answer, String side) {
        Map<String, Object> tag = (Map<String, Object>) ((Map<String, Object>) answer.get("tags")).get(side);
        return (String) ((Map<String, Object>) ((List<Object>) tag.get("medias")).get(0)).get("protocol");
    }

    /** Waits for {@code condition}; when it never holds, says what the browser saw and what rtpengine logged. */
    private void awaitOr(String what, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        try {
            Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).until(condition);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(what + ": never; the browser's media " + browser.script("return phone.media")
                    + "\nrtpengine's log:\n" + Files.readString(rtpengineDir.resolve("rtpengine.log"))
                    + "\nthe browser's SIP:\n" + BrowserPhone.sipOf(browser.console()), e);
        }
    }

    private static Path messagesOf(Path work) throws Exception {
        try (var files = Files.list(work)) {
            return files.filter(f -> f.getFileName().toString().endsWith("_messages.log")).findFirst().orElseThrow();
        }
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                .header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET " + path + ": " + r.body()).isEqualTo(200);
        return new ObjectMapper().readTree(r.body());
    }
}
