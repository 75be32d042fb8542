package io.sipstream.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Direction;
import io.sipstream.avro.HangupParty;
import io.sipstream.edge.bus.CallJournal;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.EventTap;
import io.sipstream.edge.support.FakeRouter;
import io.sipstream.edge.support.TestUserAgent;
import io.sipstream.localstack.FailingRegistryProxy;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import io.sipstream.platform.config.Settings;
import io.sipstream.platform.kafka.KafkaSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import javax.sip.message.Request;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** An edge of its own: restart after a crash, health and metrics, upstream registration, schema ids at start, bans and rate limits. */
@ExtendWith(LocalStackExtension.class)
class EdgeLifecycleTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void shouldReportTheCallsACrashedRunLostRegisterUpstreamAndShowItsHealth(LocalStack stack) throws Exception {
        Path journalDir = Files.createTempDirectory("edge-crashed");
        String lost = "lost-" + System.nanoTime();
        long answeredAt = System.currentTimeMillis() - 30_000;
        new CallJournal(journalDir).record(CallEvent.newBuilder().setEventId(lost + ":ANSWERED:0").setCallId(lost)
                .setAccountId("crash-acc").setType(CallEventType.ANSWERED).setDirection(Direction.OUTBOUND)
                .setOccurredAt(Instant.ofEpochMilli(answeredAt)).setStartedAt(Instant.ofEpochMilli(answeredAt - 5000))
                .setAnsweredAt(Instant.ofEpochMilli(answeredAt)).build());
        // a call whose end the crashed run journalled but maybe never delivered: re-emitted as it was
        String endedCall = "ended-" + System.nanoTime();
        new CallJournal(journalDir).record(CallEvent.newBuilder().setEventId(endedCall + ":ENDED:0").setCallId(endedCall)
                .setAccountId("crash-acc").setType(CallEventType.ENDED).setDirection(Direction.OUTBOUND)
                .setOccurredAt(Instant.ofEpochMilli(answeredAt)).setStartedAt(Instant.ofEpochMilli(answeredAt - 5000))
                .setEndedAt(Instant.ofEpochMilli(answeredAt)).setSipStatus(200).setReason("caller hung up")
                .setHangupBy(HangupParty.CALLER).build());
        KafkaSettings kafka = KafkaSettings.from(Settings.of(Map.of("kafka.bootstrap", stack.bootstrapServers(),
                "schema.registry.url", stack.schemaRegistryUrl())));

        try (EventTap events = new EventTap(kafka);
             TestUserAgent provider = TestUserAgent.start("provider").challengingRegistrar("provider.example");
             EdgeFixture edge = EdgeFixture.start(stack, Map.of("edge.id", "2", "edge.journal.dir", journalDir.toString()))) {
            CallEvent ended = events.await(lost, CallEventType.ENDED, WAIT);
            assertThat(ended.getHangupBy()).isEqualTo(HangupParty.SYSTEM);
            assertThat(ended.getDurationMillis()).isGreaterThanOrEqualTo(29_000);
            CallEvent again = events.await(endedCall, CallEventType.ENDED, WAIT);
            assertThat(again.getEventId()).isEqualTo(endedCall + ":ENDED:0");
            assertThat(again.getReason()).isEqualTo("caller hung up");
            assertThat(again.getHangupBy()).isEqualTo(HangupParty.CALLER);
            Awaitility.await().atMost(WAIT).until(() -> edge.edge.journalledCalls() == 0);

            edge.trunkCredentials("reg-t1", "edge-at-provider", "s3cret", "provider.example");
            edge.publishTrunk(EdgeFixture.trunk("reg-t1", provider.port()).setRegister(true).setHasCredentials(true).build());
            Request register = provider.awaitRequest(Request.REGISTER, WAIT);
            assertThat(register.getHeader("Authorization")).isNull();
            Request authorized = provider.awaitRequest(Request.REGISTER, WAIT);
            assertThat(authorized.getHeader("Authorization").toString()).contains("username=\"edge-at-provider\"");

            Awaitility.await().atMost(WAIT).untilAsserted(() -> {
                var report = edge.ctx.health().check();
                assertThat(report.up()).as(report.toString()).isTrue();
                assertThat(report.checks().get("sip-edge.upstream-registrations").detail()).contains("reg-t1=REGISTERED");
            });
            assertThat(edge.ctx.health().check().checks()).containsKeys("sip-edge.sip", "sip-edge.kafka", "sip-edge.redis");
            String metrics = edge.ctx.metrics().scrape();
            assertThat(metrics).contains("sipstream_edge_calls_in_progress", "sipstream_edge_call_attempts_total",
                    "sipstream_edge_verdict_wait_seconds");
        }
    }

    @Test
    void shouldGetItsSchemaIdsAtStartSoTheFirstCallAsksTheRegistryNothing(LocalStack stack) throws Exception {
        KafkaSettings real = KafkaSettings.from(Settings.of(Map.of("kafka.bootstrap", stack.bootstrapServers(),
                "schema.registry.url", stack.schemaRegistryUrl())));
        try (FailingRegistryProxy registry = FailingRegistryProxy.start(stack.schemaRegistryUrl(), 3);
             EdgeFixture edge = EdgeFixture.start(stack, Map.of("edge.id", "2", "schema.registry.url", registry.url()));
             FakeRouter router = new FakeRouter(real, 2);
             EventTap events = new EventTap(real);
             TestUserAgent phone = TestUserAgent.start("first-caller")) {
            long asked = registry.idRequests();
            edge.account("first", "secret-f", true);
            router.policy(a -> FakeRouter.reject(a, 403, "not today"));

            var call = phone.call(edge.uri("+15557654321"), "first", "secret-f");

            assertThat(call.awaitFinal(WAIT).getStatusCode()).as("the router's verdict, not the edge's 503").isEqualTo(403);
            events.await(call.callId(), CallEventType.FAILED, WAIT);
            assertThat(registry.failuresLeft()).as("the start rode out the registry's 500s").isZero();
            assertThat(registry.idRequests()).as("the attempt and the event wrote with the ids got at start").isEqualTo(asked);
        }
    }

    @Test
    void shouldBanASourceAfterRepeatedAuthFailuresAndDropFloods(LocalStack stack) throws Exception {
        try (EdgeFixture edge = EdgeFixture.start(stack, Map.of("edge.id", "3", "edge.auth.ban.after", "2",
                "edge.auth.ban.duration", "1m", "edge.ratelimit.per.second", "5000"));
             TestUserAgent phone = TestUserAgent.start("guesser")) {
            edge.account("victim", "correct", true);
            assertThat(phone.call(edge.uri("+15551112222"), "victim", "guess1").awaitFinal(WAIT).getStatusCode()).isEqualTo(403);
            assertThat(phone.call(edge.uri("+15551112222"), "victim", "guess2").awaitFinal(WAIT).getStatusCode()).isEqualTo(403);
            var third = phone.call(edge.uri("+15551112222"), "victim", "correct");
            Thread.sleep(1500); // nothing to wait for: a banned source gets no answer at all
            assertThat(third.statuses()).isEmpty();
        }
        try (EdgeFixture edge = EdgeFixture.start(stack, Map.of("edge.id", "4", "edge.ratelimit.per.second", "5"));
             java.net.DatagramSocket socket = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            int answered = 0;
            socket.setSoTimeout(300);
            for (int i = 0; i < 40; i++) {
                String options = "OPTIONS sip:edge@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + socket.getLocalPort()
                        + ";branch=z9hG4bKflood" + i + "\r\nFrom: <sip:f@x>;tag=f" + i + "\r\nTo: <sip:edge@127.0.0.1>\r\nCall-ID: flood" + i
                        + "\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
                byte[] b = options.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                socket.send(new java.net.DatagramPacket(b, b.length, java.net.InetAddress.getLoopbackAddress(), edge.sipPort));
            }
            try {
                while (true) {
                    socket.receive(new java.net.DatagramPacket(new byte[4096], 4096));
                    answered++;
                }
            } catch (java.net.SocketTimeoutException done) {
                // drained
            }
            assertThat(answered).isBetween(1, 15); // a burst of twice the rate, then drops
        }
    }
}
