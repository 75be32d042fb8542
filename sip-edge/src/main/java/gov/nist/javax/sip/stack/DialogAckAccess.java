package gov.nist.javax.sip.stack;

/**
 * Reaches {@link SIPDialog#ackReceived(long)}, which JAIN-SIP keeps package-private, for
 * {@link io.sipstream.edge.sip.EarlyAcks}: the one place the edge records an ACK the stack lost. In this package
 * because JAIN-SIP 1.3.0-91 offers no public way; the jar is not sealed. Remove with the race it works around.
 */
public final class DialogAckAccess {
    public static void ackReceived(SIPDialog dialog, long cseq) { dialog.ackReceived(cseq); }

    private DialogAckAccess() {}
}
