package io.sipstream.edge.sip.tcp;

/**
 * What {@link ContentLengthScreen} is for plain SIP, for a WebSocket connection a peer opened (RFC 6455, SIP in it:
 * RFC 7118): reads its bytes before JAIN-SIP's WebSocket codec does. The codec buffers a frame whole, whatever length
 * its header declares, and hands the message to the same parser that allocates whatever body a Content-Length
 * declares; so this refuses an upgrade request longer than {@link #MAX_UPGRADE} bytes, a frame longer than the
 * largest message, and (unmasking the payload of data frames) a message declaring a Content-Length past it.
 * It also tells whether the bytes end inside an unfinished frame ({@link #midFrame}): a message is due then.
 * One per connection, fed in order; not thread-safe.
 */
final class WebSocketScreen {
    /** An HTTP upgrade request is some hundreds of bytes; a browser's with cookies a few KiB. */
    static final int MAX_UPGRADE = 8192;
    private static final int UPGRADE = 0, HEAD = 1, HEAD_LENGTH = 2, LENGTH = 3, MASK = 4, PAYLOAD = 5;

    private final int maxMessageSize;
    private final ContentLengthScreen messages;
    private int state = UPGRADE;
    private int upgradeBytes;
    private int lineEnd; // how much of CRLFCRLF the upgrade request ended with so far
    private boolean control;
    private boolean masked;
    private int lengthBytes; // extended length bytes still to come
    private long length;
    private final byte[] mask = new byte[4];
    private int maskBytes;
    private long payloadRead;

    WebSocketScreen(int maxMessageSize) {
        this.maxMessageSize = maxMessageSize;
        this.messages = new ContentLengthScreen(maxMessageSize);
    }

    /** False when these bytes go past a limit (the connection must go before the codec sees them). */
    boolean accept(byte[] bytes) {
        byte[] plain = null;
        int plainLength = 0;
        for (int i = 0; i < bytes.length; i++) {
            byte b = bytes[i];
            switch (state) {
                case UPGRADE -> {
                    if (++upgradeBytes > MAX_UPGRADE) return false;
                    lineEnd = b == (lineEnd % 2 == 0 ? '\r' : '\n') ? lineEnd + 1 : b == '\r' ? 1 : 0;
                    if (lineEnd == 4) state = HEAD;
                }
                case HEAD -> {
                    // the first byte: FIN, RSV and the opcode; control frames (8 and up) carry no SIP
                    control = (b & 0x08) != 0;
                    state = HEAD_LENGTH;
                }
                case HEAD_LENGTH -> {
                    masked = (b & 0x80) != 0;
                    length = b & 0x7F;
                    lengthBytes = length == 126 ? 2 : length == 127 ? 8 : 0;
                    if (lengthBytes > 0) {
                        length = 0;
                        state = LENGTH;
                    } else {
                        afterLength();
                    }
                }
                case LENGTH -> {
                    length = (length << 8) | (b & 0xFF);
                    if (length > maxMessageSize || length < 0) return false; // checked as it grows: 8 bytes may overflow
                    if (--lengthBytes == 0) afterLength();
                }
                case MASK -> {
                    mask[maskBytes++] = b;
                    if (maskBytes == 4) state = length == 0 ? HEAD : PAYLOAD;
                }
                default -> { // PAYLOAD
                    if (!control) {
                        if (plain == null) plain = new byte[bytes.length - i];
                        plain[plainLength++] = masked ? (byte) (b ^ mask[(int) (payloadRead & 3)]) : b;
                    }
                    if (++payloadRead == length) state = HEAD;
                }
            }
            if (length > maxMessageSize) return false;
        }
        return plain == null || messages.accept(plainLength == plain.length ? plain : java.util.Arrays.copyOf(plain, plainLength));
    }

    private void afterLength() {
        maskBytes = 0;
        payloadRead = 0;
        state = masked ? MASK : length == 0 ? HEAD : PAYLOAD;
    }

    /** Whether the bytes so far end inside the upgrade request or a frame: the rest of a message is due. */
    boolean midFrame() { return state != HEAD; }
}
