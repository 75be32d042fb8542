package io.sipstream.edge.sip;

import gov.nist.javax.sip.stack.DatagramQueuedMessageDispatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * JAIN-SIP's queue of UDP datagrams read and not yet handled (what the stack makes, a LinkedBlockingQueue), telling
 * the SIP thread that takes a datagram when it was read ({@link ReceivedAt}).
 */
final class StampingQueue extends LinkedBlockingQueue<DatagramQueuedMessageDispatch> {
    @Override
    public DatagramQueuedMessageDispatch take() throws InterruptedException {
        return stamped(super.take());
    }

    @Override
    public DatagramQueuedMessageDispatch poll(long timeout, TimeUnit unit) throws InterruptedException {
        return stamped(super.poll(timeout, unit));
    }

    @Override
    public DatagramQueuedMessageDispatch poll() {
        return stamped(super.poll());
    }

    private static DatagramQueuedMessageDispatch stamped(DatagramQueuedMessageDispatch d) {
        if (d != null) ReceivedAt.set(d.getReceptionTime());
        return d;
    }
}
