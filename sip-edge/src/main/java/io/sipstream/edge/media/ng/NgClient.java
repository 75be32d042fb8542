package io.sipstream.edge.media.ng;

import com.dampcake.bencode.Bencode;
import com.dampcake.bencode.BencodeException;
import com.dampcake.bencode.Type;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;

/**
 * One rtpengine instance over its ng control protocol: {@code <cookie> <bencoded dictionary>} in one UDP datagram,
 * answered with the same cookie. A request not answered within {@code timeout} is sent again with the same cookie
 * (rtpengine answers a repeated cookie from its cache instead of doing the command twice), {@code retries} times.
 * Each request has a socket of its own, so answers cannot cross; it blocks its thread, so callers run it off the
 * SIP threads (a virtual thread: {@link io.sipstream.edge.sip.StoreExecutor}).
 */
public final class NgClient {
    /** ng answers carry whole SDPs: a datagram of 64 KiB holds the largest. */
    private static final int MAX_DATAGRAM = 65_535;
    /** ISO-8859-1 keeps every byte of an SDP as it was, whatever its charset. */
    private static final Bencode BENCODE = new Bencode(StandardCharsets.ISO_8859_1);

    private final InetSocketAddress address;
    private final Duration timeout;
    private final int retries;

    public NgClient(InetSocketAddress address, Duration timeout, int retries) {
        this.address = address;
        this.timeout = timeout;
        this.retries = retries;
    }

    public InetSocketAddress address() { return address; }

    /** Sends {@code command} with its arguments and returns rtpengine's answer; an answer whose result is "error" throws. */
    public Map<String, Object> request(String command, Map<String, Object> arguments) throws NgException {
        Map<String, Object> message = new java.util.LinkedHashMap<>(arguments);
        message.put("command", command);
        String cookie = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        byte[] datagram = encode(cookie, message);
        Map<String, Object> answer = exchange(cookie, datagram, command);
        Object result = answer.get("result");
        if ("error".equals(result)) {
            throw new NgException("rtpengine " + address + " refused " + command + ": " + answer.get("error-reason"), false);
        }
        return answer;
    }

    private Map<String, Object> exchange(String cookie, byte[] datagram, String command) throws NgException {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(address);
            socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            byte[] buffer = new byte[MAX_DATAGRAM];
            for (int attempt = 0; attempt <= retries; attempt++) {
                socket.send(new DatagramPacket(datagram, datagram.length));
                long deadline = System.nanoTime() + timeout.toNanos();
                while (true) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) break;
                    socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
                    DatagramPacket in = new DatagramPacket(buffer, buffer.length);
                    try {
                        socket.receive(in);
                    } catch (SocketTimeoutException e) {
                        break;
                    }
                    Map<String, Object> answer = parse(cookie, Arrays.copyOf(in.getData(), in.getLength()));
                    if (answer != null) return answer; // else another request's late answer, or garbage: wait on
                }
            }
        } catch (IOException e) { // unreachable port (ICMP), no route: as good as no answer
            throw new NgException("rtpengine " + address + ": " + command + " failed: " + e.getMessage(), true);
        }
        throw new NgException("rtpengine " + address + " did not answer " + command + " within "
                + timeout.toMillis() * (retries + 1) + " ms", true);
    }

    /** The answer's dictionary when the datagram carries {@code cookie}; null otherwise. */
    static Map<String, Object> parse(String cookie, byte[] datagram) {
        int space = indexOf(datagram, (byte) ' ');
        if (space <= 0 || !cookie.equals(new String(datagram, 0, space, StandardCharsets.ISO_8859_1))) return null;
        try {
            return BENCODE.decode(Arrays.copyOfRange(datagram, space + 1, datagram.length), Type.DICTIONARY);
        } catch (BencodeException | IllegalArgumentException e) {
            return null;
        }
    }

    /** Encodes a message as rtpengine reads it (for tests and fakes). */
    public static byte[] encode(String cookie, Map<String, Object> message) {
        byte[] body = BENCODE.encode(message);
        byte[] out = Arrays.copyOf((cookie + " ").getBytes(StandardCharsets.ISO_8859_1), cookie.length() + 1 + body.length);
        System.arraycopy(body, 0, out, cookie.length() + 1, body.length);
        return out;
    }

    /** Decodes a request as rtpengine reads it: its cookie and dictionary (for tests and fakes). */
    public static Map.Entry<String, Map<String, Object>> decode(byte[] datagram) {
        int space = indexOf(datagram, (byte) ' ');
        String cookie = new String(datagram, 0, space, StandardCharsets.ISO_8859_1);
        return Map.entry(cookie, BENCODE.decode(Arrays.copyOfRange(datagram, space + 1, datagram.length), Type.DICTIONARY));
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) if (bytes[i] == b) return i;
        return -1;
    }

    @Override
    public String toString() { return "udp:" + address.getHostString() + ":" + address.getPort(); }
}
