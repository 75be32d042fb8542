package io.sipstream.edge.sip.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class WebSocketScreenTest {
    private static final int MAX = 16_384;
    private static final byte[] UPGRADE = ("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: sip\r\nSec-WebSocket-Version: 13\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);

    /** A client's text frame (masked, as RFC 6455 requires of clients) declaring {@code declared} bytes of payload. */
    private static byte[] frame(byte[] payload, long declared) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x81); // FIN, text
        if (declared < 126) {
            out.write(0x80 | (int) declared);
        } else if (declared <= 0xFFFF) {
            out.write(0x80 | 126);
            out.write((int) (declared >> 8));
            out.write((int) declared);
        } else {
            out.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) out.write((int) (declared >> (8 * i)));
        }
        byte[] mask = {0x12, 0x34, 0x56, 0x78};
        out.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) out.write(payload[i] ^ mask[i & 3]);
        return out.toByteArray();
    }

    private static byte[] frame(String sip) {
        byte[] payload = sip.getBytes(StandardCharsets.US_ASCII);
        return frame(payload, payload.length);
    }

    @Test
    void shouldPassAnUpgradeAndSipMessagesInFramesSplitAnywhere() {
        WebSocketScreen screen = new WebSocketScreen(MAX);
        byte[] message = frame("OPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n");
        byte[] all = concat(UPGRADE, message, frame("\r\n\r\n"), frame(new byte[300], 300));
        for (int i = 0; i < all.length; i += 7) {
            assertThat(screen.accept(Arrays.copyOfRange(all, i, Math.min(all.length, i + 7)))).isTrue();
        }
        assertThat(screen.midFrame()).as("every frame complete").isFalse();
        assertThat(screen.accept(Arrays.copyOf(message, 10))).isTrue();
        assertThat(screen.midFrame()).as("a frame begun").isTrue();
    }

    @Test
    void shouldRefuseAFrameLongerThanTheLargestMessageFromItsHeader() {
        WebSocketScreen screen = new WebSocketScreen(MAX);
        assertThat(screen.accept(UPGRADE)).isTrue();
        assertThat(screen.accept(Arrays.copyOf(frame(new byte[0], 2_000_000_000L), 10))).isFalse();
        WebSocketScreen medium = new WebSocketScreen(MAX);
        medium.accept(UPGRADE);
        assertThat(medium.accept(Arrays.copyOf(frame(new byte[0], MAX + 1), 4))).isFalse();
    }

    @Test
    void shouldRefuseAMessageInAFrameThatDeclaresAHugeBody() {
        WebSocketScreen screen = new WebSocketScreen(MAX);
        screen.accept(UPGRADE);
        assertThat(screen.accept(frame("INVITE sip:x SIP/2.0\r\nContent-Length: 2000000000\r\n\r\n"))).isFalse();
    }

    @Test
    void shouldRefuseAnUpgradeRequestThatNeverEnds() {
        WebSocketScreen screen = new WebSocketScreen(MAX);
        byte[] header = "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".getBytes(StandardCharsets.US_ASCII);
        boolean accepted = screen.accept("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; accepted && i < 200; i++) accepted = screen.accept(header);
        assertThat(accepted).isFalse();
        assertThat(screen.midFrame()).isTrue();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
