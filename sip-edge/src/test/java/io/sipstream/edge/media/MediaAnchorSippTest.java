package io.sipstream.edge.media;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.EventTap;
import io.sipstream.edge.support.FakeRouter;
import io.sipstream.edge.support.TestUserAgent;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.localstack.RtpEngineServer;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Anchored media with real parts: rtpengine (Debian's rtpengine-daemon) as the relay, SIPp as a caller behind NAT
 * that plays RTP and as a trunk that echoes it (or stays silent). Fails, never skips, where rtpengine or SIPp is
 * missing: CI installs both (.ci/run).
 */
@ExtendWith(LocalStackExtension.class)
class MediaAnchorSippTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String KEY = "test-api-key-0123456789";
    /** What the caller's SDP announces: a private address nothing answers at. */
    private static final String PHONE_SDP_ADDRESS = "10.255.255.1";
    private static RtpEngineServer rtpengine;
    private static EdgeFixture edge;
    private static FakeRouter router;
    private static EventTap events;
    private static int adminPort;
    private static final Map<String, Integer> trunkPorts = new java.util.concurrent.ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start(LocalStack stack) throws Exception {
        assertThat(sipp()).as("SIPp: apt-get install -y sip-tester").isNotNull();
        rtpengine = RtpEngineServer.start(Files.createTempDirectory("rtpengine"));
        edge = EdgeFixture.start(stack, Map.of("edge.id", "7", "edge.auth.algorithms", "MD5,SHA-256",
                "edge.media.rtpengine", rtpengine.ngAddress()));
        router = new FakeRouter(edge.kafka, 7);
        events = new EventTap(edge.kafka);
        // each account's calls leave on its own trunk
        router.policy(a -> route(a, trunk("t-" + a.getAccountId(), "sip:+15557654321@127.0.0.1:" + trunkPorts.get(a.getAccountId()),
                "+15551230009")).build());
        edge.ctx.admin().start();
        adminPort = edge.ctx.admin().port();
    }

    @AfterAll
    static void stop() {
        if (events != null) events.close();
        if (router != null) router.close();
        if (edge != null) edge.close();
        if (rtpengine != null) rtpengine.close();
    }

    @Test
    void shouldRelayAudioBothWaysForACallerBehindNatAndSayItIsNat() throws Exception {
        // Given a trunk that anchors media, answered by a SIPp that echoes the RTP it gets
        Path trunkWork = Files.createTempDirectory("sipp-echo-trunk");
        Process trunk = startTrunk("nat", trunkWork, true, "anchor");
        try {
            // When a caller whose SDP names 10.255.255.1 calls and plays audio from 127.0.0.1
            Path callerWork = Files.createTempDirectory("sipp-nat-caller");
            Process caller = caller("nat", callerWork);

            // Then the relay sees RTP both ways, and the caller's from another address than its SDP named
            JsonNode media = await().atMost(WAIT).pollInterval(Duration.ofMillis(250))
                    .until(() -> liveMedia("nat"), m -> m != null && "NAT".equals(m.path("verdict").asText()));
            assertThat(media.get("anchored").asBoolean()).isTrue();
            JsonNode phone = side(media, "caller");
            JsonNode carrier = side(media, "callee");
            assertThat(phone.get("announced").asText()).startsWith(PHONE_SDP_ADDRESS + ":");
            assertThat(phone.get("source").asText()).startsWith("127.0.0.1:");
            assertThat(phone.get("packetsReceived").asLong()).isPositive();
            assertThat(phone.get("packetsSent").asLong()).as("echoed audio relayed to the phone").isPositive();
            assertThat(carrier.get("packetsReceived").asLong()).as("the trunk's echo reached the relay").isPositive();
            assertThat(carrier.get("announced").asText()).doesNotStartWith(PHONE_SDP_ADDRESS);

            assertThat(finish(caller, callerWork)).as("caller sipp exit code (0: the call completed)").isZero();
            // the trunk's INVITE named the relay, never the phone's address
            String atTrunk = messages(trunkWork);
            assertThat(atTrunk).contains("INVITE sip:").contains("c=IN IP4 127.0.0.1").doesNotContain(PHONE_SDP_ADDRESS)
                    .contains("telephone-event/8000");
            await().atMost(WAIT).until(() -> metric("sipstream_edge_media_calls_total{verdict=\"nat\"") >= 1);
            // the call's ENDED event keeps the diagnostics (billing copies them into the CDR)
            CallEvent ended = events.await(media.get("callId").asText(), CallEventType.ENDED, WAIT);
            assertThat(ended.getMedia().getVerdict()).isEqualTo("NAT");
            assertThat(ended.getMedia().getRelay()).isEqualTo(rtpengine.ngAddress());
            assertThat(ended.getMedia().getStreams()).anySatisfy(s -> {
                assertThat(s.getSide()).isEqualTo("caller");
                assertThat(s.getAnnounced()).startsWith(PHONE_SDP_ADDRESS + ":");
                assertThat(s.getSource()).startsWith("127.0.0.1:");
                assertThat(s.getPacketsSent()).isPositive();
            });
        } finally {
            trunk.destroy();
        }
    }

    @Test
    void shouldSayOneWayWhenTheTrunkSendsNoAudio() throws Exception {
        // Given an account whose calls anchor when behind NAT (auto), over a trunk that leaves media alone, and sends none
        Path trunkWork = Files.createTempDirectory("sipp-silent-trunk");
        Process trunk = startTrunk("silent", trunkWork, false, "passthrough");
        edge.redis.set(edge.keys.account("silent"), "{\"accountId\":\"silent\",\"enabled\":true,\"media\":\"auto\"}");
        try {
            Path callerWork = Files.createTempDirectory("sipp-caller-to-silence");
            Process caller = caller("silent", callerWork);
            JsonNode media = await().atMost(WAIT).pollInterval(Duration.ofMillis(250))
                    .until(() -> liveMedia("silent"), m -> m != null && side(m, "caller").path("packetsReceived").asLong() > 20);
            assertThat(media.get("verdict").asText()).isEqualTo("ONE_WAY");
            assertThat(side(media, "callee").get("packetsReceived").asLong()).isZero();
            assertThat(finish(caller, callerWork)).isZero();
            await().atMost(WAIT).until(() -> metric("sipstream_edge_media_calls_total{verdict=\"one_way\"") >= 1);
            assertThat(events.await(media.get("callId").asText(), CallEventType.ENDED, WAIT).getMedia().getVerdict()).isEqualTo("ONE_WAY");
        } finally {
            trunk.destroy();
        }
    }

    @Test
    void shouldUpdateTheSameRelayCallOnAReInviteAndKeepThePeersApart() throws Exception {
        // Given a trunk that anchors media and answers re-INVITEs (echoing RTP), and a caller behind NAT that moves its
        // media mid-call: a re-INVITE names 10.255.255.2, then a re-INVITE without SDP gets the trunk's offer and its
        // ACK answers naming 10.255.255.3 (each side's scenario checks it sees the relay's SDP, never the other's)
        edge.account("moving", "pw-moving", true);
        int port = TestUserAgent.freeUdpPort();
        edge.publishTrunk(EdgeFixture.trunk("t-moving", port).setMedia("anchor").setOptionsInterval(0).build());
        trunkPorts.put("moving", port);
        Path trunkWork = Files.createTempDirectory("sipp-reinvite-trunk");
        Process trunk = sipp(trunkWork, List.of("-sf", scenario(trunkWork, "uas_reinvite.xml").toString(), "-i", "127.0.0.1",
                "-p", Integer.toString(port), "-mp", Integer.toString(TestUserAgent.freeUdpPort()), "-rtp_echo", "-trace_msg", "-m", "1"));
        awaitUdpBound(port);
        try {
            Path callerWork = Files.createTempDirectory("sipp-reinvite-caller");
            Process caller = caller("moving", callerWork, "uac_nat_rtp_reinvite.xml");

            // Then the relay's call for it is updated: the caller's side names the new address, then the one its ACK
            // answered a late re-offer with, and RTP goes on both ways
            JsonNode media = await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> liveMedia("moving"),
                    m -> m != null && side(m, "caller").path("announced").asText().startsWith("10.255.255.2:"));
            String callId = media.get("callId").asText();
            await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> liveMedia("moving"),
                    m -> m != null && side(m, "caller").path("announced").asText().startsWith("10.255.255.3:"));
            assertThat(finish(caller, callerWork)).as("caller sipp exit code (0: the re-INVITE's 200 named the relay)").isZero();
            assertThat(finish(trunk, trunkWork)).as("trunk sipp exit code (0: the late re-offer's ACK named the relay)").isZero();
            // the trunk's re-INVITEs and ACKs named the relay, never the phone's addresses
            String atTrunk = messages(trunkWork);
            assertThat(atTrunk).contains("CSeq: 2 INVITE").contains("CSeq: 3 INVITE").doesNotContain("10.255.255.");
            CallEvent ended = events.await(callId, CallEventType.ENDED, WAIT);
            // audio both ways (NAT or OK: rtpengine 10.5 names the new SDP address as the phone's source until it
            // learns again from RTP after the last answer, which this caller may not send)
            assertThat(ended.getMedia().getVerdict()).as(ended.getMedia().toString()).isIn("NAT", "OK");
            assertThat(ended.getMedia().getStreams()).anySatisfy(s -> {
                assertThat(s.getSide()).isEqualTo("caller");
                assertThat(s.getAnnounced()).startsWith("10.255.255.3:");
                assertThat(s.getPacketsReceived()).isPositive();
                assertThat(s.getPacketsSent()).isPositive();
            });
        } finally {
            trunk.destroy();
        }
    }

    @Test
    void shouldAnchorALateOfferFromTheAnswerAndTheAck() throws Exception {
        // Given a trunk that anchors media, answered by a SIPp that echoes RTP (its 200 carries the offer)
        Path trunkWork = Files.createTempDirectory("sipp-late-offer-trunk");
        Process trunk = startTrunk("late", trunkWork, true, "anchor");
        try {
            // When a caller behind NAT sends an INVITE without SDP, and answers in its ACK naming 10.255.255.1
            Path callerWork = Files.createTempDirectory("sipp-late-offer-caller");
            Process caller = caller("late", callerWork, "uac_late_offer_rtp.xml");

            // Then the relay holds the call: the caller's side as its ACK named it, RTP both ways
            JsonNode media = await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).until(() -> liveMedia("late"),
                    m -> m != null && "NAT".equals(m.path("verdict").asText()));
            assertThat(side(media, "caller").get("announced").asText()).startsWith(PHONE_SDP_ADDRESS + ":");
            assertThat(side(media, "caller").get("packetsSent").asLong()).as("echoed audio relayed to the phone").isPositive();
            assertThat(side(media, "callee").get("packetsReceived").asLong()).isPositive();
            assertThat(finish(caller, callerWork)).as("caller sipp exit code (0: the call completed)").isZero();
            // the trunk's INVITE had no SDP, and the ACK that answered its offer named the relay, never the phone
            String atTrunk = messages(trunkWork);
            assertThat(atTrunk).contains("ACK sip:").doesNotContain(PHONE_SDP_ADDRESS);
            assertThat(atTrunk.substring(atTrunk.indexOf("ACK sip:"))).as("the ACK").contains("c=IN IP4 127.0.0.1");
            assertThat(events.await(media.get("callId").asText(), CallEventType.ENDED, WAIT).getMedia().getVerdict()).isEqualTo("NAT");
        } finally {
            trunk.destroy();
        }
    }

    /** A SIPp trunk (UAS) for the account's calls, with its media mode; {@code echo}: it sends back the RTP it gets. */
    private static Process startTrunk(String account, Path work, boolean echo, String media) throws Exception {
        edge.account(account, "pw-" + account, true);
        int port = TestUserAgent.freeUdpPort();
        edge.publishTrunk(EdgeFixture.trunk("t-" + account, port).setMedia(media).build());
        trunkPorts.put(account, port);
        List<String> args = new ArrayList<>(List.of("-sn", "uas", "-aa", "-i", "127.0.0.1", "-p", Integer.toString(port),
                "-mp", Integer.toString(TestUserAgent.freeUdpPort()), "-trace_msg"));
        if (echo) args.add("-rtp_echo");
        Process p = sipp(work, args);
        awaitUdpBound(port);
        return p;
    }

    /** A SIPp caller behind NAT (uac_nat_rtp.xml) as the account, holding the call 8 s. */
    private static Process caller(String account, Path work) throws Exception { return caller(account, work, "uac_nat_rtp.xml"); }

    /** A SIPp caller as the account, playing {@code scenarioName} of the test's resources. */
    private static Process caller(String account, Path work, String scenarioName) throws Exception {
        return sipp(work, List.of("-sf", scenario(work, scenarioName).toString(), "-s", "+15557654321", "-au", account, "-ap", "pw-" + account,
                "-i", "127.0.0.1", "-p", Integer.toString(TestUserAgent.freeUdpPort()),
                "-mp", Integer.toString(TestUserAgent.freeUdpPort()), "-m", "1", "-trace_msg", "127.0.0.1:" + edge.sipPort));
    }

    /** A SIPp scenario of the test's resources (sipp/), copied into {@code work}. */
    private static Path scenario(Path work, String name) throws Exception {
        Path scenario = work.resolve(name);
        try (var in = MediaAnchorSippTest.class.getResourceAsStream("/sipp/" + name)) {
            Files.copy(in, scenario);
        }
        return scenario;
    }

    /** The media of the account's call in progress, from GET /v1/calls/{id}/media; null while there is none. */
    private JsonNode liveMedia(String account) throws Exception {
        JsonNode calls = get("/v1/calls?account=" + account);
        if (calls == null || calls.path("items").isEmpty()) return null;
        String id = calls.get("items").get(0).get("callId").asText();
        return get("/v1/calls/" + java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8) + "/media");
    }

    private static JsonNode side(JsonNode media, String side) {
        for (JsonNode s : media.path("streams")) if (side.equals(s.path("side").asText())) return s;
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                .header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? new ObjectMapper().readTree(r.body()) : null;
    }

    private double metric(String prefix) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        for (String line : r.body().split("\n")) {
            if (line.startsWith(prefix)) return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        return 0;
    }

    static Path sipp() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir, "sipp");
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    private static Process sipp(Path work, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(sipp().toString()));
        cmd.addAll(args);
        cmd.addAll(List.of("-nostdin", "-trace_err", "-timeout", "40s", "-timeout_error"));
        return new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve("sipp.out").toFile()).start();
    }

    private static int finish(Process p, Path work) throws Exception {
        if (!p.waitFor(45, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("sipp did not finish:\n" + logs(work));
        }
        if (p.exitValue() != 0) System.out.println(logs(work));
        return p.exitValue();
    }

    private static String messages(Path work) throws Exception {
        StringBuilder out = new StringBuilder();
        try (Stream<Path> files = Files.list(work)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith("_messages.log")).toList()) out.append(Files.readString(f));
        }
        return out.toString();
    }

    private static String logs(Path work) throws Exception {
        StringBuilder out = new StringBuilder();
        try (Stream<Path> files = Files.list(work)) {
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f)) out.append("== ").append(f.getFileName()).append('\n').append(Files.readString(f));
            }
        }
        return out.toString();
    }

    private static void awaitUdpBound(int port) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
            try (java.net.DatagramSocket probe = new java.net.DatagramSocket(port, java.net.InetAddress.getLoopbackAddress())) {
                return false;
            } catch (java.net.SocketException bound) {
                return true;
            }
        });
    }
}
