package io.sipstream.edge.sip;

import gov.nist.core.ThreadAuditor;
import gov.nist.javax.sip.SipStackImpl;
import gov.nist.javax.sip.stack.DatagramQueuedMessageDispatch;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import gov.nist.javax.sip.stack.UDPMessageProcessor;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JAIN-SIP's UDP listening point, receiving into one buffer instead of a new one per datagram. The stack's own loop
 * allocates an array of the largest message size (16 KiB here) for every datagram, and its channel then copies the
 * datagram's bytes out of it: at ~9 datagrams a call that was 150 KiB a call of garbage, a fifth of what a call
 * allocated. This loop receives into the thread's one buffer and queues an exact-size copy; the SIP threads
 * ({@code UDPMessageChannel}) and the congestion auditor work on the queue as before.
 *
 * <p>While the queue waits too long, a new INVITE is answered 503 here, on receipt, by the stack's
 * {@link QueueDelayValve}, and not queued: a retransmission of an INVITE still queued ({@link RecentInvites}) is queued.
 * The queue tells the SIP thread that takes a datagram when it was read ({@link StampingQueue}, {@link ReceivedAt}).
 */
public final class ReusingUdpProcessor extends UDPMessageProcessor {
    private static final Logger log = LoggerFactory.getLogger(ReusingUdpProcessor.class);
    private final int bufferSize;
    private volatile RefusalSender refusals;

    /** For {@link io.sipstream.edge.sip.tcp.GuardedProcessorFactory}, the stack's processor factory. */
    public static UDPMessageProcessor create(InetAddress address, SIPTransactionStack stack, int port) throws IOException {
        ReusingUdpProcessor processor = new ReusingUdpProcessor(address, stack, port);
        gov.nist.javax.sip.stack.EdgeStackAccess.usesUdp(stack); // as the stack's own factory does
        return processor;
    }

    private ReusingUdpProcessor(InetAddress address, SIPTransactionStack stack, int port) throws IOException {
        super(address, stack, port);
        int max = stack.getMaxMessageSize();
        this.bufferSize = max > 0 && max < SipStackImpl.MAX_DATAGRAM_SIZE ? max : SipStackImpl.MAX_DATAGRAM_SIZE;
        gov.nist.javax.sip.stack.EdgeStackAccess.replaceQueue(this, new StampingQueue(), stack.getStackCongestionControlTimeout());
    }

    @Override
    public void run() {
        int threads = threadPoolSize();
        if (threads < 1) { // unlimited: the stack's own loop, a thread per datagram (SipStackProperties always sets a pool)
            super.run();
            return;
        }
        messageChannels = new java.util.LinkedList<>();
        for (int i = 0; i < threads; i++) {
            messageChannels.add(new SipThread(sipStack, this, ((SipStackImpl) sipStack).getStackName() + "-UDPMessageChannelThread-" + i));
        }
        ThreadAuditor auditor = sipStack.getThreadAuditor(); // null unless THREAD_AUDIT_INTERVAL_IN_MILLISECS is set
        ThreadAuditor.ThreadHandle handle = auditor == null ? null : auditor.addCurrentThread();
        byte[] buffer = new byte[bufferSize];
        QueueDelayValve valve = null; // the stack's: it refuses new INVITEs on receipt while the queue waits too long
        RecentInvites invites = new RecentInvites();
        refusals = new RefusalSender(sock, ((SipStackImpl) sipStack).getStackName() + "-UDP-503-" + getPort());
        DatagramPacket packet = new DatagramPacket(buffer, bufferSize);
        while (isRunning) {
            try {
                if (handle != null) auditor.ping(handle);
                packet.setData(buffer, 0, bufferSize);
                sock.receive(packet);
                byte[] datagram = Arrays.copyOf(buffer, packet.getLength());
                long now = System.currentTimeMillis();
                if (QueueDelayValve.isInvite(datagram)) {
                    if (valve == null) valve = QueueDelayValve.find((SipStackImpl) sipStack);
                    long readAt = now;
                    DatagramPacket refusal = valve == null ? null : valve.refusalOnReceipt(datagram, packet.getAddress(),
                            packet.getPort(), bytes -> invites.wasQueued(bytes, readAt));
                    if (refusal != null) {
                        refusals.send(refusal);
                        continue; // answered 503, not queued
                    }
                    invites.queued(datagram, now);
                }
                DatagramPacket copy = new DatagramPacket(datagram, datagram.length, packet.getAddress(), packet.getPort());
                messageQueue.offer(new DatagramQueuedMessageDispatch(copy, now));
            } catch (SocketTimeoutException e) {
                // lets the loop ping the thread auditor
            } catch (SocketException e) {
                if (!isRunning) return;
                log.warn("UDP receive on {}: {}", getPort(), e.toString());
            } catch (IOException | RuntimeException e) {
                log.warn("UDP receive on {}: {}", getPort(), e.toString());
            }
        }
    }

    @Override
    public void stop() {
        super.stop();
        RefusalSender r = refusals;
        if (r != null) r.close();
    }

    /** The SIP threads taking datagrams from the queue: JAIN-SIP's channel, whose constructor is protected. */
    private static final class SipThread extends gov.nist.javax.sip.stack.UDPMessageChannel {
        SipThread(SIPTransactionStack stack, UDPMessageProcessor processor, String name) { super(stack, processor, name); }
    }

    /** THREAD_POOL_SIZE as the stack read it (its field is not visible here); -1 when unset. */
    private int threadPoolSize() {
        String size = ((SipStackImpl) sipStack).getConfigurationProperties().getProperty("gov.nist.javax.sip.THREAD_POOL_SIZE");
        try {
            return size == null ? -1 : Integer.parseInt(size.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
