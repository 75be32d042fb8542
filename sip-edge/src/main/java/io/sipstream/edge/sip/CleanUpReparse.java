package io.sipstream.edge.sip;

import java.io.ByteArrayOutputStream;
import java.util.Locale;
import java.util.Set;

/**
 * The request JAIN-SIP parses again when it removes a finished non-INVITE transaction, cut to what that removal reads.
 *
 * <p>With AGGRESSIVE_CLEANUP a transaction keeps its request as bytes once it has answered; at removal (a server
 * transaction's {@code cleanUp} at Timer J, a client's {@code cleanUpOnTerminated} at Timer K) JAIN-SIP 1.3.0-91
 * parses those bytes again only to compute the transaction's merge id (Request-URI, From tag, CSeq, Call-ID), take it
 * out of its tables (by ids it kept) and hand it to the listener's {@code processTransactionTerminated} (the edge's
 * does nothing), then drops the request. So that parse gets the start line and the headers that identify the
 * transaction (Via, From, To, Call-ID, CSeq) and no body; the transaction's bytes stay whole, and anyone who asks
 * for the request later ({@code getRequest}) gets a full parse as before.
 */
final class CleanUpReparse {
    // lower case, with the compact forms (RFC 3261 7.3.3)
    private static final Set<String> KEPT = Set.of("via", "v", "from", "f", "to", "t", "call-id", "i", "cseq");
    private static final StackWalker STACK = StackWalker.getInstance();
    private static final String OWN_PACKAGE = CleanUpReparse.class.getPackageName() + ".";

    private CleanUpReparse() {}

    /**
     * Whether the parse under way is the clean-up's: the first caller outside this package is one of the two methods
     * above. Asked only for a parse with no channel listener that reads the body: a UDP datagram has its channel as
     * listener and a TCP connection's parser reads no body, so a received message never costs the walk.
     */
    static boolean isCleanUp() {
        return STACK.walk(frames -> frames.dropWhile(f -> f.getClassName().startsWith(OWN_PACKAGE)).findFirst())
                .map(f -> switch (f.getClassName()) {
                    case "gov.nist.javax.sip.stack.SIPServerTransactionImpl" -> f.getMethodName().equals("cleanUp");
                    case "gov.nist.javax.sip.stack.SIPClientTransactionImpl" -> f.getMethodName().equals("cleanUpOnTerminated");
                    default -> false;
                })
                .orElse(false);
    }

    /** The start line and the identifying headers (folded lines included) of a message, ending its header section. */
    static byte[] identifyingPart(byte[] message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(message.length, 1024));
        int start = 0;
        boolean first = true, keeping = false;
        while (start < message.length) {
            int end = start;
            while (end < message.length && message[end] != '\n') end++;
            int contentEnd = end > start && message[end - 1] == '\r' ? end - 1 : end;
            if (contentEnd == start) break; // the empty line: the body follows, which the clean-up never reads
            byte lead = message[start];
            if (first) keeping = true;
            else if (lead != ' ' && lead != '\t') keeping = KEPT.contains(headerName(message, start, contentEnd));
            // else a folded line continues the header before it
            if (keeping) {
                out.write(message, start, contentEnd - start);
                out.write('\r');
                out.write('\n');
            }
            first = false;
            start = end + 1;
        }
        out.write('\r');
        out.write('\n');
        return out.toByteArray();
    }

    private static String headerName(byte[] message, int from, int to) {
        int colon = from;
        while (colon < to && message[colon] != ':') colon++;
        int end = colon;
        while (end > from && (message[end - 1] == ' ' || message[end - 1] == '\t')) end--;
        return new String(message, from, end - from, java.nio.charset.StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
    }
}
