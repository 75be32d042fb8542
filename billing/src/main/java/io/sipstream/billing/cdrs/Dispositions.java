package io.sipstream.billing.cdrs;

import io.sipstream.avro.Disposition;
import io.sipstream.avro.HangupParty;

/**
 * The disposition of a finished call: answered, else busy (486, 600), cancelled by the caller,
 * no answer (487, 480, 408: the edge's own no-answer timer ends in 487), or failed.
 */
public final class Dispositions {

    public static Disposition of(boolean answered, int sipStatus, HangupParty hangupBy) {
        if (answered) return Disposition.ANSWERED;
        if (sipStatus == 486 || sipStatus == 600) return Disposition.BUSY;
        if (hangupBy == HangupParty.CALLER) return Disposition.CANCELLED;
        if (sipStatus == 487 || sipStatus == 480 || sipStatus == 408) return Disposition.NO_ANSWER;
        return Disposition.FAILED;
    }

    private Dispositions() {}
}
