package gov.nist.javax.sip.stack;

/**
 * Reaches what JAIN-SIP 1.3.0-91 keeps package-private and the edge must touch: in this package because the stack offers
 * no public way (its jar is not sealed). Each use says why; remove one with the workaround it serves.
 */
public final class EdgeStackAccess {
    /** {@link SIPDialog#ackReceived(long)}, for {@link io.sipstream.edge.sip.EarlyAcks}: an ACK the stack lost. */
    public static void ackReceived(SIPDialog dialog, long cseq) { dialog.ackReceived(cseq); }

    /**
     * What the stack's own processor factory does when it makes a UDP listening point: without it, requests the edge sends
     * over UDP go from a new socket each, and their responses never come back to the listening point
     * ({@link io.sipstream.edge.sip.ReusingUdpProcessor}).
     */
    public static void usesUdp(SIPTransactionStack stack) { stack.udpFlag = true; }

    /**
     * Puts {@code queue} in place of the UDP processor's queue of datagrams read and not yet handled, with the stack's
     * congestion auditor (which drops what waited past CONGESTION_CONTROL_TIMEOUT) moved to it: the processor's
     * constructor made both, and the auditor keeps the queue it was given
     * ({@link io.sipstream.edge.sip.ReusingUdpProcessor}, which stamps each datagram's reception for billing).
     */
    public static void replaceQueue(UDPMessageProcessor processor, java.util.concurrent.BlockingQueue<DatagramQueuedMessageDispatch> queue,
            int congestionTimeoutMillis) {
        processor.congestionAuditor.stop();
        processor.messageQueue = queue;
        processor.congestionAuditor = new BlockingQueueDispatchAuditor(queue);
        processor.congestionAuditor.setTimeout(congestionTimeoutMillis);
        processor.congestionAuditor.start(2000); // as the processor's constructor does
    }

    private EdgeStackAccess() {}
}
