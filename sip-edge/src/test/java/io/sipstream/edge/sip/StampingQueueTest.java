package io.sipstream.edge.sip;

import static org.assertj.core.api.Assertions.assertThat;

import gov.nist.javax.sip.stack.DatagramQueuedMessageDispatch;
import java.net.DatagramPacket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The SIP thread that takes a datagram knows when it was read: a call's answer and hang-up are billed from then. */
class StampingQueueTest {

    private static DatagramQueuedMessageDispatch readAt(long millis) {
        return new DatagramQueuedMessageDispatch(new DatagramPacket(new byte[0], 0), millis);
    }

    @Test
    void shouldTellTheTakingThreadWhenItsDatagramWasRead() throws Exception {
        StampingQueue queue = new StampingQueue();
        long read = System.currentTimeMillis() - 300; // it waited 300 ms for a SIP thread
        queue.offer(readAt(read));
        queue.offer(readAt(read + 5));

        queue.take();
        assertThat(ReceivedAt.orNow()).isEqualTo(read);
        queue.poll(1, TimeUnit.SECONDS);
        assertThat(ReceivedAt.orNow()).as("the datagram it handles now").isEqualTo(read + 5);

        long[] elsewhere = new long[1];
        Thread other = Thread.ofPlatform().start(() -> elsewhere[0] = ReceivedAt.orNow());
        other.join();
        assertThat(elsewhere[0]).as("a thread that took none: now").isGreaterThanOrEqualTo(read + 300);
    }
}
