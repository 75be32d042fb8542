package io.sipstream.edge.sip;

import gov.nist.javax.sip.message.SIPResponse;
import java.security.SecureRandom;

/**
 * A reason the edge keeps to itself, and the opaque reference a response gives instead. The router's
 * and billing's reasons, and the edge's own about its trunks, name accounts, live-call counts, trunks
 * and balances: callers and carriers get the status, its standard phrase and the reference; the log
 * and the call's events get the reason under the same reference, so an operator finds one from the other.
 */
public record Withheld(String ref, String reason) {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    /** A reason under a new reference: 8 base32 characters (40 random bits), unrelated to anything else of the call. */
    public static Withheld of(String reason) { return new Withheld(newRef(), reason); }

    /** What a peer is told: the status's standard phrase and the reference, e.g. {@code Forbidden; ref=k2f7qd4m}. */
    public String publicText(int status) { return SIPResponse.getReasonPhrase(status) + "; ref=" + ref; }

    static String newRef() {
        long bits = RANDOM.nextLong();
        char[] ref = new char[8];
        for (int i = 0; i < ref.length; i++) ref[i] = BASE32[(int) (bits >>> (5 * i)) & 31];
        return new String(ref);
    }
}
