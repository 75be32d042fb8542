package io.sipstream.edge.sip.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.TestUserAgent;
import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SIP over WebSocket (WS) under the edge's connection guard, as TCP and TLS are: a source's connections past its limit
 * are refused, one that never upgrades is closed, a frame or message larger than the largest message closes its
 * connection before JAIN-SIP buffers it, and a client that sends only keep-alive frames between its messages is kept.
 * Raw sockets, each source a loopback address of its own.
 */
@ExtendWith(LocalStackExtension.class)
class WebSocketLimitsTest {
    private static final int PER_SOURCE = 3;
    private static final Duration MESSAGE_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void shouldHoldWebSocketConnectionsToTheTcpLimits(LocalStack stack) throws Exception {
        int wsPort = TestUserAgent.freeUdpPort();
        List<Socket> open = new ArrayList<>();
        try (EdgeFixture edge = EdgeFixture.start(stack, Map.of("edge.id", "6", "sip.ws.port", Integer.toString(wsPort),
                "edge.sip.tcp.max.connections.per.source", Integer.toString(PER_SOURCE),
                "edge.sip.tcp.message.timeout", MESSAGE_TIMEOUT.toSeconds() + "s"))) {
            ConnectionGuard guard = edge.edge.connectionGuard();
            assertThat(guard).as("the WS listening point is the guarded factory's").isNotNull();

            // Given a client that upgrades and asks OPTIONS in a text frame, Then it is answered in one
            Socket client = upgraded("127.0.0.21", wsPort);
            open.add(client);
            send(client, options(wsPort, "1"));
            assertThat(readFrame(client)).startsWith("SIP/2.0 200");

            // When it sends only keep-alives (CRLF in a frame, a ping) past the message timeout, Then it is kept
            send(client, "\r\n\r\n");
            sendPing(client);
            Thread.sleep(MESSAGE_TIMEOUT.plusSeconds(2).toMillis()); // the guard sweeps once a second: it had its chance
            send(client, options(wsPort, "2"));
            assertThat(readFrame(client)).as("the connection lives on its keep-alives").startsWith("SIP/2.0 200");

            // Given its source at its limit, When one more connects, Then that one is closed at once
            for (int i = 1; i < PER_SOURCE; i++) open.add(upgraded("127.0.0.21", wsPort));
            assertThat(guard.open("127.0.0.21")).isEqualTo(PER_SOURCE);
            try {
                Socket refused = connect("127.0.0.21", wsPort);
                open.add(refused);
                assertThat(closedWithin(refused, WAIT)).as("a connection past the source's limit").isTrue();
            } catch (java.net.SocketException resetWhileConnecting) {
                // refused at once: the edge's RST overtook the connect
            }
            assertThat(guard.refusedForSource()).isEqualTo(1);

            // A connection that never upgrades is closed at the message timeout
            Socket silent = connect("127.0.0.22", wsPort);
            open.add(silent);
            assertThat(closedWithin(silent, MESSAGE_TIMEOUT.plus(WAIT))).as("a connection that says nothing").isTrue();

            // A frame declaring a gigabyte, and a message declaring a 2 GB body, close their connections
            Socket huge = upgraded("127.0.0.23", wsPort);
            open.add(huge);
            huge.getOutputStream().write(new byte[] {(byte) 0x81, (byte) (0x80 | 127), 0, 0, 0, 0, 0x40, 0, 0, 0, 1, 2, 3, 4});
            assertThat(closedWithin(huge, WAIT)).as("a frame past edge.sip.max.message.size").isTrue();
            Socket body = upgraded("127.0.0.24", wsPort);
            open.add(body);
            send(body, "INVITE sip:x@127.0.0.1 SIP/2.0\r\nContent-Length: 2000000000\r\n\r\n");
            assertThat(closedWithin(body, WAIT)).as("a message whose Content-Length is past the limit").isTrue();
            assertThat(guard.closedForContentLength()).isEqualTo(2);
            Awaitility.await().atMost(WAIT).until(() -> guard.open("127.0.0.23") + guard.open("127.0.0.24") == 0);
        } finally {
            for (Socket s : open) s.close();
        }
    }

    private static String options(int port, String cseq) {
        return "OPTIONS sip:ping@127.0.0.1:" + port + ";transport=ws SIP/2.0\r\n"
                + "Via: SIP/2.0/WS abcdef.invalid;branch=z9hG4bK-ws-" + cseq + System.nanoTime() + "\r\n"
                + "Max-Forwards: 70\r\nTo: <sip:ping@127.0.0.1>\r\nFrom: <sip:probe@abcdef.invalid>;tag=ws" + cseq + "\r\n"
                + "Call-ID: ws-limits-" + cseq + "-" + System.nanoTime() + "\r\nCSeq: " + cseq + " OPTIONS\r\nContent-Length: 0\r\n\r\n";
    }

    private static Socket connect(String from, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout((int) WAIT.toMillis());
        return s;
    }

    /** A connection that has done the WebSocket upgrade for SIP (RFC 7118). */
    private static Socket upgraded(String from, int port) throws IOException {
        Socket s = connect(from, port);
        s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: sip\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        StringBuilder response = new StringBuilder();
        while (!response.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) throw new IOException("closed during the upgrade: " + response);
            response.append((char) b);
        }
        assertThat(response.toString()).startsWith("HTTP/1.1 101");
        return s;
    }

    /** A client's text frame, masked as RFC 6455 requires. */
    private static void send(Socket s, String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x81);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else {
            frame.write(0x80 | 126);
            frame.write(payload.length >> 8);
            frame.write(payload.length & 0xFF);
        }
        byte[] mask = {1, 2, 3, 4};
        frame.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) frame.write(payload[i] ^ mask[i & 3]);
        s.getOutputStream().write(frame.toByteArray());
    }

    private static void sendPing(Socket s) throws IOException {
        s.getOutputStream().write(new byte[] {(byte) 0x89, (byte) 0x80, 1, 2, 3, 4});
    }

    /** The next text frame from the edge (unmasked, as a server's are), skipping pongs and the CRLF answering a CRLF keep-alive. */
    private static String readFrame(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        while (true) {
            int first = in.read();
            int second = in.read();
            if (first < 0 || second < 0) throw new IOException("closed");
            long length = second & 0x7F;
            if (length == 126) length = (in.read() << 8) | in.read();
            else if (length == 127) for (int i = 0; i < 8; i++) length = (length << 8) | in.read();
            byte[] payload = in.readNBytes((int) length);
            String text = new String(payload, StandardCharsets.US_ASCII);
            if ((first & 0x0F) == 1 && !text.isBlank()) return text;
        }
    }

    /** Whether the edge closes the connection within the time (end of stream or reset); bytes before that are skipped. */
    private static boolean closedWithin(Socket s, Duration time) throws IOException {
        long end = System.nanoTime() + time.toNanos();
        byte[] buffer = new byte[4096];
        while (System.nanoTime() < end) {
            s.setSoTimeout((int) Math.max(1, (end - System.nanoTime()) / 1_000_000));
            try {
                if (s.getInputStream().read(buffer) < 0) return true;
            } catch (SocketTimeoutException stillOpen) {
                return false;
            } catch (IOException reset) {
                return true;
            }
        }
        return false;
    }
}
