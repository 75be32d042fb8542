package io.sipstream.edge.media.ng;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The ng client against a fake rtpengine: a real UDP socket in the test that answers as the test says. */
class NgClientTest {
    private final List<FakeNg> fakes = new CopyOnWriteArrayList<>();

    /** A fake ng server: each request (cookie, dictionary) is recorded and answered by {@code answer} (null: not answered). */
    static final class FakeNg implements AutoCloseable {
        final DatagramSocket socket;
        final List<Map.Entry<String, Map<String, Object>>> received = new CopyOnWriteArrayList<>();
        volatile Function<Map<String, Object>, Map<String, Object>> answer;
        volatile boolean staleFirst;

        FakeNg(Function<Map<String, Object>, Map<String, Object>> answer) throws Exception {
            this.answer = answer;
            socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                byte[] buffer = new byte[65_535];
                while (!socket.isClosed()) {
                    try {
                        DatagramPacket in = new DatagramPacket(buffer, buffer.length);
                        socket.receive(in);
                        byte[] data = java.util.Arrays.copyOf(in.getData(), in.getLength());
                        var request = NgClient.decode(data);
                        received.add(request);
                        Map<String, Object> reply = this.answer.apply(request.getValue());
                        if (reply == null) continue;
                        if (staleFirst) {
                            byte[] stale = NgClient.encode("stale-cookie", Map.of("result", "error", "error-reason", "not yours"));
                            socket.send(new DatagramPacket(stale, stale.length, in.getSocketAddress()));
                        }
                        byte[] out = NgClient.encode(request.getKey(), reply);
                        socket.send(new DatagramPacket(out, out.length, in.getSocketAddress()));
                    } catch (Exception e) {
                        if (socket.isClosed()) return;
                    }
                }
            });
        }

        InetSocketAddress address() { return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort()); }

        @Override
        public void close() { socket.close(); }
    }

    private FakeNg fake(Function<Map<String, Object>, Map<String, Object>> answer) throws Exception {
        FakeNg f = new FakeNg(answer);
        fakes.add(f);
        return f;
    }

    @AfterEach
    void close() { fakes.forEach(FakeNg::close); }

    @Test
    void shouldSendTheCommandWithItsArgumentsAndReturnTheAnswerOfItsCookie() throws Exception {
        FakeNg ng = fake(req -> Map.of("result", "ok", "sdp", "v=0 relayed " + req.get("call-id")));
        NgClient client = new NgClient(ng.address(), Duration.ofMillis(500), 0);

        Map<String, Object> answer = client.request("offer", Map.of("call-id", "c1", "sdp", "v=0", "flags", List.of("trust address")));

        assertThat(answer).containsEntry("result", "ok").containsEntry("sdp", "v=0 relayed c1");
        Map<String, Object> sent = ng.received.get(0).getValue();
        assertThat(sent).containsEntry("command", "offer").containsEntry("call-id", "c1").containsEntry("flags", List.of("trust address"));
        assertThat(ng.received.get(0).getKey()).isNotBlank();
    }

    @Test
    void shouldSendAnUnansweredRequestAgainWithTheSameCookie() throws Exception {
        AtomicInteger seen = new AtomicInteger();
        FakeNg ng = fake(req -> seen.incrementAndGet() == 1 ? null : Map.of("result", "pong"));
        NgClient client = new NgClient(ng.address(), Duration.ofMillis(200), 2);

        assertThat(client.request("ping", Map.of())).containsEntry("result", "pong");

        assertThat(ng.received).hasSize(2);
        assertThat(ng.received.get(1).getKey()).isEqualTo(ng.received.get(0).getKey()); // rtpengine answers it from its cache
    }

    @Test
    void shouldIgnoreAnAnswerWithAnotherCookie() throws Exception {
        FakeNg ng = fake(req -> Map.of("result", "pong"));
        ng.staleFirst = true; // a late answer to another request comes first: the client must wait for its own
        NgClient client = new NgClient(ng.address(), Duration.ofMillis(500), 0);

        assertThat(client.request("ping", Map.of())).containsEntry("result", "pong");
        assertThat(NgClient.parse("mine", NgClient.encode("other", Map.of("result", "ok")))).isNull();
        assertThat(NgClient.parse("mine", "mine not-bencode".getBytes())).isNull();
    }

    @Test
    void shouldFailWithNoAnswerAfterItsRetries() throws Exception {
        FakeNg ng = fake(req -> null);
        NgClient client = new NgClient(ng.address(), Duration.ofMillis(100), 2);

        assertThatThrownBy(() -> client.request("query", Map.of("call-id", "c1")))
                .isInstanceOfSatisfying(NgException.class, e -> assertThat(e.noAnswer()).isTrue())
                .hasMessageContaining("did not answer query");
        assertThat(ng.received).hasSize(3);
    }

    @Test
    void shouldFailWithRtpenginesReasonOnAnError() throws Exception {
        FakeNg ng = fake(req -> Map.of("result", "error", "error-reason", "Unknown call-id"));
        NgClient client = new NgClient(ng.address(), Duration.ofMillis(500), 0);

        assertThatThrownBy(() -> client.request("delete", Map.of("call-id", "gone")))
                .isInstanceOfSatisfying(NgException.class, e -> assertThat(e.noAnswer()).isFalse())
                .hasMessageContaining("Unknown call-id");
    }

    @Test
    void shouldSkipAnInstanceThatStoppedAnsweringUntilAPingFindsItAgain() throws Exception {
        FakeNg up = fake(req -> Map.of("result", "pong"));
        FakeNg silent = fake(req -> null);
        RtpEngines engines = new RtpEngines(List.of(new NgClient(silent.address(), Duration.ofMillis(100), 0),
                new NgClient(up.address(), Duration.ofMillis(100), 0)));

        assertThat(engines.pingAll()).isEqualTo(1);

        for (int i = 0; i < 4; i++) {
            assertThat(engines.forNewCall()).extracting(RtpEngines.Instance::client).extracting(NgClient::address)
                    .containsExactly(up.address());
        }
        silent.answer = req -> Map.of("result", "pong");
        assertThat(engines.pingAll()).isEqualTo(2);
        assertThat(engines.forNewCall()).hasSize(2);
    }

    @Test
    void shouldReadTheInstancesSetting() {
        assertThat(RtpEngines.parse("udp:127.0.0.1:2223, rtp1.example:2224,udp:[::1]:2225"))
                .extracting(InetSocketAddress::getHostString, InetSocketAddress::getPort)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("127.0.0.1", 2223),
                        org.assertj.core.groups.Tuple.tuple("rtp1.example", 2224), org.assertj.core.groups.Tuple.tuple("::1", 2225));
        assertThat(RtpEngines.parse("")).isEmpty();
        assertThatThrownBy(() -> RtpEngines.parse("udp:127.0.0.1")).hasMessageContaining("'udp:127.0.0.1' is not udp:host:port");
        assertThatThrownBy(() -> RtpEngines.parse("udp:h:99999")).hasMessageContaining("port out of range");
    }
}
