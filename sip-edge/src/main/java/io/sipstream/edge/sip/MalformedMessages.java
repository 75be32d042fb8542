package io.sipstream.edge.sip;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIP messages that do not parse or lack a mandatory header: each is counted
 * ({@code sipstream.edge.sip.malformed}), and one in a second at most is logged, with how many
 * came since the last one logged. A flood of them (anyone can send datagrams) costs a counter,
 * not a line of log each.
 */
public final class MalformedMessages {
    private static final Logger log = LoggerFactory.getLogger(MalformedMessages.class);
    private static final int SHOWN_BYTES = 120;

    private final LongAdder count = new LongAdder();
    private final LogSampler logged = new LogSampler();

    /** One malformed message; {@code from} is the sender's address when known (null over TCP and TLS). */
    public void record(String from, String reason, byte[] message) {
        count.increment();
        long since = logged.next();
        if (since == 0) return;
        log.warn("malformed SIP message {}dropped or answered 400 ({} since the last one logged): {}; it began {}",
                from == null ? "" : "from " + from + " ", since, reason == null ? "" : printable(reason.getBytes(StandardCharsets.ISO_8859_1)),
                printable(message));
    }

    /** Malformed messages so far ({@code sipstream.edge.sip.malformed}, in EdgeMetrics). */
    public long count() { return count.sum(); }

    /** The first bytes, control characters shown as escapes: enough to recognise a sender, never a whole packet nor a forged log line. */
    static String printable(byte[] message) {
        if (message == null) return "(nothing)";
        int n = Math.min(message.length, SHOWN_BYTES);
        StringBuilder b = new StringBuilder(n + 16).append('"');
        for (char c : new String(message, 0, n, StandardCharsets.ISO_8859_1).toCharArray()) {
            if (c == '\r') b.append("\\r");
            else if (c == '\n') b.append("\\n");
            else if (c < 0x20 || c >= 0x7f) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        b.append('"');
        if (message.length > n) b.append("... (").append(message.length).append(" bytes)");
        return b.toString();
    }
}
