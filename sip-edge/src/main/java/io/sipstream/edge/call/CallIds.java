package io.sipstream.edge.call;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The id of a call on every topic (attempt, verdict, events, CDR). The caller chooses its SIP
 * Call-ID and may reuse it for a new call once the old one ended; billing remembers finished calls
 * by id, so a reused Call-ID as the id would make every later call look like a late event of the
 * first and go unbilled. The edge makes its own id: unique by a random part, with the SIP Call-ID
 * kept at the end so a CDR still leads to the SIP trace.
 */
final class CallIds {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_SIP_PART = 128;

    static String next(String edgeId, String sipCallId) {
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        String sip = sipCallId.length() > MAX_SIP_PART ? sipCallId.substring(0, MAX_SIP_PART) : sipCallId;
        return edgeId + "-" + HexFormat.of().formatHex(random) + ":" + sip;
    }

    private CallIds() {}
}
