package io.sipstream.edge.support;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** One SIP request sent as a raw datagram to 127.0.0.1, as a peer that builds its own messages (or forges them) would. */
public final class RawSip {
    private RawSip() {}

    /**
     * Sends the request from a socket of its own and returns the status line of its final answer (an empty
     * string if none comes within the time). {@code %PORT%} in the text becomes that socket's port (for its Via).
     */
    public static String send(int port, String message, Duration timeout) throws Exception {
        try (var socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            byte[] out = message.replace("%PORT%", Integer.toString(socket.getLocalPort())).getBytes(StandardCharsets.UTF_8);
            socket.send(new DatagramPacket(out, out.length, InetAddress.getLoopbackAddress(), port));
            socket.setSoTimeout((int) timeout.toMillis());
            byte[] in = new byte[65_535];
            while (true) {
                var p = new DatagramPacket(in, in.length);
                try {
                    socket.receive(p);
                } catch (java.net.SocketTimeoutException e) {
                    return "";
                }
                String text = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
                String status = text.substring(0, Math.max(0, text.indexOf("\r\n")));
                if (!status.startsWith("SIP/2.0 1")) return status;
            }
        }
    }
}
