package io.sipstream.edge.sip;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static org.assertj.core.api.Assertions.assertThat;

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
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Broken SIP sent raw over UDP is answered 400 or dropped, and the edge keeps serving calls. */
@ExtendWith(SharedEdge.class)
class BrokenSipTest {
    private final SharedEdge.Shared shared;
    private final EdgeFixture edge;

    BrokenSipTest(SharedEdge.Shared shared) {
        this.shared = shared;
        this.edge = shared.edge();
    }

    private static String request(String method, String firstLineUri, int port, String branch, String extraHeaders, String body) {
        return method + " " + firstLineUri + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + port + ";branch=z9hG4bK" + branch + ";rport\r\n"
                + "From: <sip:raw@sipstream.local>;tag=raw" + branch + "\r\n"
                + "To: <" + firstLineUri + ">\r\n"
                + "Call-ID: raw-" + branch + "@127.0.0.1\r\n"
                + "CSeq: 1 " + method + "\r\n"
                + "Max-Forwards: 70\r\n"
                + extraHeaders
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    /** Sends one datagram and returns the status lines of whatever comes back within the time. */
    private List<String> send(DatagramSocket socket, byte[] datagram, Duration listen) throws Exception {
        socket.send(new DatagramPacket(datagram, datagram.length, InetAddress.getLoopbackAddress(), edge.sipPort));
        List<String> answers = new ArrayList<>();
        long end = System.nanoTime() + listen.toNanos();
        byte[] buf = new byte[65_535];
        while (System.nanoTime() < end) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            socket.setSoTimeout((int) Math.max(1, (end - System.nanoTime()) / 1_000_000));
            try {
                socket.receive(p);
                String text = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
                answers.add(text.substring(0, Math.max(0, text.indexOf("\r\n"))));
            } catch (SocketTimeoutException e) {
                break;
            }
        }
        return answers;
    }

    @Test
    void shouldAnswerBrokenMessagesWith400OrDropThemAndKeepServingCalls() throws Exception {
        String target = "sip:+15557654321@127.0.0.1:" + edge.sipPort;
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            int port = socket.getLocalPort();
            String good = request("INVITE", target, port, "t1", "", "");
            List<byte[]> broken = List.of(
                    good.substring(0, good.length() / 2).getBytes(StandardCharsets.UTF_8), // truncated mid-header
                    request("INVITE", target, port, "o1", "X-Padding: " + "a".repeat(64_000) + "\r\n", "").getBytes(StandardCharsets.UTF_8), // oversized
                    request("INVITE", target, port, "b1", "", "").replace("CSeq: 1 INVITE", "CSeq: one INVITE").getBytes(StandardCharsets.UTF_8),
                    request("INVITE", target, port, "b2", "", "").replace("Max-Forwards: 70", "Max-Forwards: lots").getBytes(StandardCharsets.UTF_8),
                    request("INVITE", target, port, "b3", "Expires: soon\r\nContact: <<<sip:\r\n", "").getBytes(StandardCharsets.UTF_8),
                    request("INVITE", "sip:%%%@@@", port, "b4", "", "").getBytes(StandardCharsets.UTF_8),
                    request("INVITE", target, port, "b5", "", "v=0\r\n").replace("Content-Length: 5", "Content-Length: 5000").getBytes(StandardCharsets.UTF_8),
                    new byte[] {0, 1, 2, (byte) 0xff, (byte) 0xfe, 13, 10, 13, 10},
                    "\r\n\r\n".getBytes(StandardCharsets.UTF_8));
            List<String> answers = new ArrayList<>();
            for (byte[] datagram : broken) answers.addAll(send(socket, datagram, Duration.ofMillis(400)));
            assertThat(answers).allSatisfy(line -> assertThat(line).startsWith("SIP/2.0 400"));
            assertThat(answers).as("headers that do not parse get 400").isNotEmpty();

            // the edge answers well-formed requests it does not serve
            assertThat(send(socket, request("OPTIONS", target, port, "opt1", "", "").getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(2)))
                    .contains("SIP/2.0 200 OK");
            assertThat(send(socket, request("PUBLISH", target, port, "pub1", "", "").getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(2)))
                    .anyMatch(l -> l.startsWith("SIP/2.0 405"));
        }

        // ... and the next good call still completes
        try (TestUserAgent phone = TestUserAgent.start("after-broken"); TestUserAgent carrier = TestUserAgent.start("after-broken-trunk")) {
            edge.account("sturdy", "pw-s", true);
            edge.publishTrunk(EdgeFixture.trunk("broken-t1", carrier.port()).build());
            shared.router().policy(a -> route(a, trunk("broken-t1", "sip:+15557654321@127.0.0.1:" + carrier.port(), null)).build());
            var call = phone.call(edge.uri("+15557654321"), "sturdy", "pw-s");
            assertThat(call.awaitFinal(Duration.ofSeconds(10)).getStatusCode()).isEqualTo(200);
            call.bye();
        }
    }

    /** The full text of every datagram that comes back within the time. */
    private List<String> exchange(DatagramSocket socket, String message, Duration listen) throws Exception {
        byte[] b = message.getBytes(StandardCharsets.UTF_8);
        socket.send(new DatagramPacket(b, b.length, InetAddress.getLoopbackAddress(), edge.sipPort));
        List<String> answers = new ArrayList<>();
        long end = System.nanoTime() + listen.toNanos();
        byte[] buf = new byte[65_535];
        while (System.nanoTime() < end) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            socket.setSoTimeout((int) Math.max(1, (end - System.nanoTime()) / 1_000_000));
            try {
                socket.receive(p);
                answers.add(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
            } catch (SocketTimeoutException e) {
                break;
            }
        }
        return answers;
    }

    @Test
    void shouldChallengeAResentInviteWithTheSame401AndAnswerToTheSourcePortItCameFrom() throws Exception {
        String target = "sip:+15557654321@127.0.0.1:" + edge.sipPort;
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            // the Via names a port nobody listens on: the answer must go where the packet came from (rport)
            String invite = request("INVITE", target, 9, "retrans1", "Contact: <sip:raw@127.0.0.1:9>\r\n", "");
            List<String> first = exchange(socket, invite, Duration.ofMillis(1500));
            List<String> again = exchange(socket, invite, Duration.ofMillis(1500));
            String challenge = first.stream().filter(m -> m.startsWith("SIP/2.0 401")).findFirst().orElseThrow();
            assertThat(challenge).contains("rport=" + socket.getLocalPort()).contains("received=127.0.0.1");
            assertThat(first.getFirst()).as("challenged at once, without 100 Trying").startsWith("SIP/2.0 401");
            // challenged statelessly (RFC 3261 8.2.7): the retransmission is challenged again with the same 401, byte
            // for byte (To tag and nonce: a caller without a transaction layer knows a resent response by its bytes),
            // and nothing else comes (no 100, no resend of the 401 by a transaction)
            assertThat(first).as("one answer: no transaction resends it").hasSize(1);
            assertThat(toTag(challenge)).isNotBlank();
            assertThat(again).containsExactly(challenge);
        }
    }

    @Test
    void shouldChallengeAFirstInviteWithoutKeepingATransactionAndDropTheAckOfThe401() throws Exception {
        String target = "sip:+15557654321@127.0.0.1:" + edge.sipPort;
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            String branch = "stateless" + System.nanoTime();
            String invite = request("INVITE", target, socket.getLocalPort(), branch, "Contact: <sip:raw@127.0.0.1:9>\r\n", "");
            List<String> answers = exchange(socket, invite, Duration.ofMillis(800));
            assertThat(answers).hasSize(1);
            assertThat(answers.getFirst()).startsWith("SIP/2.0 401").contains("WWW-Authenticate: Digest");
            assertThat(edge.edge.keepsServerTransaction("z9hG4bK" + branch)).as("no server transaction kept for the 401").isFalse();
            // the ACK of the 401 (same branch, RFC 3261 17.1.1.3) has no transaction to match: dropped, unanswered
            String ack = request("ACK", target, socket.getLocalPort(), branch, "", "")
                    .replace("To: <" + target + ">", "To: <" + target + ">;tag=" + toTag(answers.getFirst()));
            assertThat(exchange(socket, ack, Duration.ofMillis(500))).isEmpty();
            assertThat(edge.edge.keepsServerTransaction("z9hG4bK" + branch)).isFalse();
        }
    }

    private static String toTag(String message) {
        return message.lines().filter(l -> l.regionMatches(true, 0, "To:", 0, 3) && l.contains(";tag=")).findFirst()
                .map(l -> l.replaceAll(".*;tag=([^;\\s>]+).*", "$1")).orElse("");
    }

    @Test
    void shouldServeTcpAsWellAsUdp() throws Exception {
        try (java.net.Socket tcp = new java.net.Socket(InetAddress.getLoopbackAddress(), edge.sipPort)) {
            tcp.setSoTimeout(5000);
            // a transaction of its own each time (tests call this one after another): the same branch would be a retransmission
            String id = "tcp" + tcp.getLocalPort() + "x" + System.nanoTime();
            String options = "OPTIONS sip:edge@127.0.0.1:" + edge.sipPort + " SIP/2.0\r\n"
                    + "Via: SIP/2.0/TCP 127.0.0.1:" + tcp.getLocalPort() + ";branch=z9hG4bK" + id + "\r\n"
                    + "From: <sip:tcp@sipstream.local>;tag=" + id + "\r\nTo: <sip:edge@127.0.0.1>\r\nCall-ID: " + id + "@127.0.0.1\r\n"
                    + "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
            tcp.getOutputStream().write(options.getBytes(StandardCharsets.UTF_8));
            tcp.getOutputStream().flush();
            String status = new java.io.BufferedReader(new java.io.InputStreamReader(tcp.getInputStream(), StandardCharsets.UTF_8)).readLine();
            assertThat(status).as("the answer on a new connection (null: the edge closed it); the edge's connections: %s", connectionFigures())
                    .isEqualTo("SIP/2.0 200 OK");
        }
    }

    private String tcpOptions(java.net.Socket tcp, String branch, String contentLength) {
        return "OPTIONS sip:edge@127.0.0.1:" + edge.sipPort + " SIP/2.0\r\n"
                + "Via: SIP/2.0/TCP 127.0.0.1:" + tcp.getLocalPort() + ";branch=z9hG4bK" + branch + "\r\n"
                + "From: <sip:tcp@sipstream.local>;tag=" + branch + "\r\nTo: <sip:edge@127.0.0.1>\r\nCall-ID: " + branch + "@127.0.0.1\r\n"
                + "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: " + contentLength;
    }

    /** Whether the edge closed the connection (end of stream or reset) within 5 s, answering nothing. */
    private static boolean closedUnanswered(java.net.Socket tcp) throws Exception {
        return closedUnanswered(tcp, Duration.ofSeconds(5));
    }

    /** Whether the edge closed the connection (end of stream or reset) within the time, sending nothing more. */
    private static boolean closedUnanswered(java.net.Socket tcp, Duration within) throws Exception {
        tcp.setSoTimeout((int) within.toMillis());
        try {
            return tcp.getInputStream().read() < 0;
        } catch (java.net.SocketTimeoutException stillOpen) {
            return false;
        } catch (java.io.IOException reset) {
            return true;
        }
    }

    @Test
    void shouldCloseATcpConnectionThatDeclaresAHugeBodyAndKeepServingTcp() throws Exception {
        // JAIN-SIP's NIO parser allocates a declared body at once: 2 GB would be an OutOfMemoryError on the thread that reads TCP
        try (java.net.Socket tcp = new java.net.Socket(InetAddress.getLoopbackAddress(), edge.sipPort)) {
            tcp.getOutputStream().write((tcpOptions(tcp, "huge1", "2000000000") + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            assertThat(closedUnanswered(tcp)).isTrue();
        }
        // ... also when the peer ends the connection in the middle of that header line (JAIN-SIP completes the line itself then)
        try (java.net.Socket tcp = new java.net.Socket(InetAddress.getLoopbackAddress(), edge.sipPort)) {
            tcp.getOutputStream().write(tcpOptions(tcp, "huge2", "2000000000").getBytes(StandardCharsets.UTF_8));
            tcp.shutdownOutput();
            assertThat(closedUnanswered(tcp)).isTrue();
        }
        shouldServeTcpAsWellAsUdp();
    }

    @Test
    void shouldCallATrunkOverTcp() throws Exception {
        // the edge's own connections go through the same NIO processor as those peers open
        try (TestUserAgent phone = TestUserAgent.start("tcp-trunk-caller"); TestUserAgent carrier = TestUserAgent.startTcp("tcp-trunk", "127.0.0.1")) {
            edge.account("tcptrunk", "pw-tt", true);
            edge.publishTrunk(EdgeFixture.trunk("tcp-t", carrier.port()).setTransport(io.sipstream.avro.Transport.TCP).build());
            shared.router().policy(a -> route(a, trunk("tcp-t", "sip:+15557654321@127.0.0.1:" + carrier.port() + ";transport=tcp", null)).build());
            var call = phone.call(edge.uri("+15557654321"), "tcptrunk", "pw-tt");
            assertThat(call.awaitFinal(Duration.ofSeconds(10)).getStatusCode()).isEqualTo(200);
            assertThat(carrier.awaitRequest(javax.sip.message.Request.INVITE, Duration.ofSeconds(10)).getHeader("Via").toString())
                    .containsIgnoringCase("/TCP");
            call.bye();
            assertThat(carrier.receivedWithin(javax.sip.message.Request.BYE, null, Duration.ofSeconds(10))).isTrue();
        }
    }

    @Test
    void shouldCloseAConnectionToATrunkThatAnswersWithAHugeBodyAndKeepCallingTrunksOverTcp() throws Exception {
        // the edge's own connections pass the same screen as those peers open: a trunk (or a phone's contact) that answers
        // with a 2 GB Content-Length would otherwise be an OutOfMemoryError on the thread that reads every TCP connection
        double closedBefore = closedForContentLength();
        try (java.net.ServerSocket fakeTrunk = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             TestUserAgent phone = TestUserAgent.start("huge-trunk-caller")) {
            int port = fakeTrunk.getLocalPort();
            edge.account("hugetrunk", "pw-ht", true);
            // not probed: the first thing the edge sends it is the call's INVITE
            edge.publishTrunk(EdgeFixture.trunk("huge-t", port).setTransport(io.sipstream.avro.Transport.TCP).setOptionsInterval(0).build());
            shared.router().policy(a -> route(a, trunk("huge-t", "sip:+15557654322@127.0.0.1:" + port + ";transport=tcp", null)).build());
            var call = phone.call(edge.uri("+15557654322"), "hugetrunk", "pw-ht");

            fakeTrunk.setSoTimeout(30_000);
            // one connection, the INVITE on it (JAIN-SIP alone opened a second for the INVITE and closed this one unused)
            try (java.net.Socket fromEdge = fakeTrunk.accept()) {
                fromEdge.setSoTimeout(30_000);
                String invite = readMessage(fromEdge);
                assertThat(invite).startsWith("INVITE ");
                StringBuilder ringing = new StringBuilder("SIP/2.0 180 Ringing\r\n");
                for (String line : invite.split("\r\n")) {
                    String name = line.contains(":") ? line.substring(0, line.indexOf(':')).trim().toLowerCase(java.util.Locale.ROOT) : "";
                    if (List.of("via", "from", "call-id", "cseq").contains(name)) ringing.append(line).append("\r\n");
                    if (name.equals("to")) ringing.append(line).append(";tag=huge\r\n");
                }
                ringing.append("Content-Length: 2000000000\r\n\r\n");
                fromEdge.getOutputStream().write(ringing.toString().getBytes(StandardCharsets.UTF_8));
                fromEdge.getOutputStream().flush();
                assertThat(closedUnanswered(fromEdge, Duration.ofSeconds(30))).as("the edge closes its connection to the trunk").isTrue();
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> closedForContentLength() > closedBefore);
            call.cancel();
            assertThat(call.awaitFinal(Duration.ofSeconds(30)).getStatusCode()).as("the caller is not left ringing").isGreaterThanOrEqualTo(400);
        }
        // TCP keeps serving, the edge's own connections included
        shouldCallATrunkOverTcp();
        shouldServeTcpAsWellAsUdp();
    }

    /** The edge's connection metrics, for a failure's message. */
    private String connectionFigures() {
        return edge.ctx.metrics().scrape().lines().filter(l -> l.startsWith("sipstream_edge_sip_connection")).toList().toString();
    }

    private double closedForContentLength() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "(?m)^sipstream_edge_sip_connections_closed_total\\{[^}]*reason=\"content_length\"[^}]*} (\\S+)$").matcher(edge.ctx.metrics().scrape());
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    /** One SIP message from a socket: its header lines up to the empty line, and the body its Content-Length announces. */
    private static String readMessage(java.net.Socket socket) throws Exception {
        java.io.InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) throw new java.io.EOFException("the connection ended after: " + head);
            if (head.isEmpty() && (b == '\r' || b == '\n')) continue; // keep-alive CRLFs before a message
            head.append((char) b);
        }
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?im)^(?:content-length|l)\\s*:\\s*(\\d+)").matcher(head);
        if (length.find()) in.readNBytes(Integer.parseInt(length.group(1)));
        return head.toString();
    }
}
