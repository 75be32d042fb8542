package io.sipstream.edge.sip;

/**
 * When the UDP datagram the current SIP thread handles was read from the socket ({@link StampingQueue} sets it as the
 * thread takes the datagram). A call's hang-up is billed from when its BYE arrived, not from when a SIP thread got
 * to it: under load a datagram waits in the queue for a SIP thread, and at twice the held rate billing charged 2 %
 * more seconds than SIPp held the calls. The answer is not stamped with this: the caller's talk starts when the edge
 * relays the 200, after the 200's own wait in the queue, so the answer is stamped then (B2buaCall).
 */
public final class ReceivedAt {
    private static final ThreadLocal<long[]> AT = ThreadLocal.withInitial(() -> new long[1]);

    static void set(long epochMillis) { AT.get()[0] = epochMillis; }

    /**
     * The time the datagram this thread is handling was read, in epoch milliseconds; now on a thread that handles none
     * (TCP, TLS and WebSocket threads, timers, the verdict consumer).
     */
    public static long orNow() {
        long at = AT.get()[0];
        long now = System.currentTimeMillis();
        return at > 0 && at <= now ? at : now;
    }

    private ReceivedAt() {}
}
