package io.sipstream.edge.call;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.uri;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.Direction;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.SharedEdge;
import io.sipstream.edge.support.TestUserAgent;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sip.message.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A 180 that reaches the edge after the callee's 200 (a reordered or late datagram, or a 180 overtaken by its 200 on
 * another SIP thread) is never relayed: RFC 3261 allows no provisional response after a final one. The caller is raw
 * UDP (a JAIN-SIP caller's own transaction layer would hide a stray 180 from the test), as SIPp is.
 */
@ExtendWith(SharedEdge.class)
class LateProvisionalTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final SharedEdge.Shared shared;
    private final EdgeFixture edge;
    private TestUserAgent callee;

    LateProvisionalTest(SharedEdge.Shared shared) {
        this.shared = shared;
        this.edge = shared.edge();
    }

    @BeforeEach
    void peers() throws Exception {
        callee = TestUserAgent.start("late-callee");
        shared.router().clear();
    }

    @AfterEach
    void close() { callee.close(); }

    @Test
    void shouldNotRelayA180ThatArrivesAfterThe200() throws Exception {
        callee.onInvite(c -> {
            c.respond(200);
            c.respondRaw(180, edge.sipPort); // the 180 arrives after its 200
            c.respondRaw(183, edge.sipPort);
        });
        try (DatagramSocket carrier = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            int port = carrier.getLocalPort();
            edge.publishTrunk(EdgeFixture.trunk("late-t", port).setAllowedCidrs(List.of("127.0.0.1/32:" + port)).build());
            shared.router().policy(a -> a.getDirection() == Direction.INBOUND
                    ? route(a, uri("sip:+15550002000@127.0.0.1:" + callee.port())).build() : null);
            String target = "sip:+15550002000@127.0.0.1:" + edge.sipPort;
            String callId = "late-" + System.nanoTime() + "@127.0.0.1";
            send(carrier, "INVITE " + target + " SIP/2.0\r\n"
                    + "Via: SIP/2.0/UDP 127.0.0.1:" + port + ";branch=z9hG4bKlate1;rport\r\n"
                    + "From: <sip:+15559990000@127.0.0.1>;tag=late1\r\n"
                    + "To: <" + target + ">\r\n"
                    + "Call-ID: " + callId + "\r\n"
                    + "CSeq: 1 INVITE\r\n"
                    + "Contact: <sip:carrier@127.0.0.1:" + port + ">\r\n"
                    + "Max-Forwards: 70\r\n"
                    + "Content-Type: application/sdp\r\n", TestUserAgent.SDP);

            List<String> answers = new ArrayList<>();
            String ok = receiveUntil(carrier, answers, "SIP/2.0 200", WAIT);
            assertThat(ok).as("the 200, after %s", answers).isNotNull();
            // the stale 1xx were sent right after the 200: give them time to cross the edge, collecting what comes
            receiveUntil(carrier, answers, "never", Duration.ofMillis(1500));
            int firstFinal = answers.indexOf(answers.stream().filter(l -> l.startsWith("SIP/2.0 200")).findFirst().orElseThrow());
            assertThat(answers.subList(firstFinal, answers.size())).as("status lines from the first 200 on")
                    .allMatch(l -> l.startsWith("SIP/2.0 200"));
            // a stale 1xx may still reach the caller BEFORE the 200: the two datagrams go to different
            // JAIN-SIP pool threads and the 1xx's may take the call's lock first, when the edge cannot know
            // it left the callee after the 200. That order is valid SIP; a 1xx after the final is not.

            // ACK and BYE: the call ends cleanly
            String toLine = header(ok, "To");
            String contact = header(ok, "Contact").replaceAll(".*<([^>]+)>.*", "$1");
            String dialog = "From: <sip:+15559990000@127.0.0.1>;tag=late1\r\n" + "To:" + toLine + "\r\n"
                    + "Call-ID: " + callId + "\r\n" + "Max-Forwards: 70\r\n";
            send(carrier, "ACK " + contact + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + port + ";branch=z9hG4bKlate2;rport\r\n"
                    + dialog + "CSeq: 1 ACK\r\n", "");
            send(carrier, "BYE " + contact + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + port + ";branch=z9hG4bKlate3;rport\r\n"
                    + dialog + "CSeq: 2 BYE\r\n", "");
            assertThat(callee.receivedWithin(Request.BYE, null, WAIT)).isTrue();
        }
    }

    private void send(DatagramSocket socket, String headers, String body) throws Exception {
        byte[] b = (headers + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.UTF_8);
        socket.send(new DatagramPacket(b, b.length, InetAddress.getLoopbackAddress(), edge.sipPort));
    }

    /** Collects status lines (requests are ignored) until one starts with {@code prefix}; returns that message, or null at the deadline. */
    private static String receiveUntil(DatagramSocket socket, List<String> statusLines, String prefix, Duration within) throws Exception {
        long end = System.nanoTime() + within.toNanos();
        byte[] buf = new byte[65_535];
        while (System.nanoTime() < end) {
            socket.setSoTimeout((int) Math.max(1, (end - System.nanoTime()) / 1_000_000));
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            }
            String text = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
            String line = text.substring(0, Math.max(0, text.indexOf("\r\n")));
            if (!line.startsWith("SIP/2.0 ")) continue;
            statusLines.add(line);
            if (line.startsWith(prefix)) return text;
        }
        return null;
    }

    private static String header(String message, String name) {
        for (String line : message.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) return line.substring(colon + 1);
        }
        throw new AssertionError("no " + name + " in " + message);
    }
}
