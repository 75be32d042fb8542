package io.sipstream.edge.support;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Map;
import javax.sip.message.Request;

/**
 * For tests that hold the edge's SIP threads: each is handling an INFO of an answered call whose lock the test
 * holds, so that datagrams wait in the queue for a SIP thread.
 */
public final class HeldSipThreads {
    private HeldSipThreads() {}

    /** Sends an INFO in the call's dialog and returns its final status (run it off the test's thread). */
    public static int info(TestUserAgent.OutgoingCall call) {
        try {
            return call.sendInDialog(Request.INFO, Map.of());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Datagrams read and waiting for a SIP thread. */
    public static double queuedDatagrams(EdgeFixture edge) {
        return edge.ctx.metrics().get("sipstream.edge.sip.queue.datagrams").gauge().value();
    }

    /**
     * JAIN-SIP's UDP threads blocked on a lock that thread holds. Only those count: a session timer or another
     * thread of the edge may wait on a held call too, and a SIP thread left free would handle what the test queues.
     */
    public static long threadsWaitingFor(long me) {
        var mx = ManagementFactory.getThreadMXBean();
        return Arrays.stream(mx.getThreadInfo(mx.getAllThreadIds()))
                .filter(t -> t != null && t.getLockOwnerId() == me && t.getThreadName().contains("-UDPMessageChannelThread-"))
                .count();
    }
}
