package io.sipstream.edge.sip;

import gov.nist.javax.sip.stack.EdgeStackAccess;
import gov.nist.javax.sip.stack.SIPDialog;
import java.util.concurrent.ConcurrentHashMap;
import javax.sip.Dialog;
import javax.sip.ServerTransaction;
import javax.sip.header.CSeqHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * Records the ACK of a 2xx that JAIN-SIP (1.3.0-91) lost: the stack sends an INVITE's 2xx, then arms the dialog's
 * retransmission timer, and finds the transaction an ACK acknowledges through that timer. An ACK that another SIP
 * thread handles in between is passed to the listener but not recorded, so the 2xx goes again at T1 and the caller
 * must ACK twice (5 % of the calls at 200-300 calls/s in the bench, a steady ~17 a second). The listener tells of
 * every ACK of a 2xx here, the responder of every 2xx it has sent; whichever comes second records the ACK.
 */
public final class EarlyAcks {
    /** ACKs (their CSeq) that came before the stack armed their dialog's timer; empty but for a moment. */
    private final ConcurrentHashMap<SIPDialog, Long> waiting = new ConcurrentHashMap<>();
    /**
     * More than this many waiting means ACKs whose 2xx will not be sent by this edge (a late ACK of a dialog whose timer
     * already gave up): they are forgotten, at worst costing a retransmitted 2xx.
     */
    static final int MAX_WAITING = 256;

    /** An ACK of a 2xx in {@code dialog}, after the stack handled it. */
    public void acked(Dialog dialog, Request ack) {
        if (!(dialog instanceof SIPDialog d) || d.isAckSeen()) return;
        long cseq = ((CSeqHeader) ack.getHeader(CSeqHeader.NAME)).getSeqNumber();
        if (waiting.size() > MAX_WAITING) waiting.clear();
        // compute holds the key's bin, so this and sent() run one after the other: the second sees the first
        waiting.compute(d, (k, v) -> {
            if (d.getInviteTransaction() == null) return cseq; // the 2xx is still on its way out: sent() records it
            EdgeStackAccess.ackReceived(d, cseq);
            return null;
        });
    }

    /** The responder sent {@code response} on {@code st}: if it is an INVITE's 2xx whose ACK came first, records it. */
    void sent(ServerTransaction st, Response response) {
        // the method from the response's CSeq: a non-INVITE transaction that has answered kept its request as bytes
        // only (AGGRESSIVE_CLEANUP), and st.getRequest() would parse the whole request again for every BYE's 200
        if (response.getStatusCode() / 100 != 2 || !(response.getHeader(CSeqHeader.NAME) instanceof CSeqHeader sent)
                || !Request.INVITE.equals(sent.getMethod()) || !(st.getDialog() instanceof SIPDialog d)) return;
        // compute, not computeIfPresent: it takes the bin's lock even when no ACK waits, so an acked() after it sees the
        // timer this thread armed
        waiting.compute(d, (k, cseq) -> {
            if (cseq != null) EdgeStackAccess.ackReceived(d, cseq);
            return null;
        });
    }
}
