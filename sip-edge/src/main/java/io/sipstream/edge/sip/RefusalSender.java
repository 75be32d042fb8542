package io.sipstream.edge.sip;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the 503s the UDP reader answers on receipt, from its own thread. A send takes the socket's write lock, which
 * the SIP threads hold while they send; descheduled with it on two busy cores, they held the reader up 22 ms a send on
 * average (JFR at twice the held rate), and the kernel dropped what arrived meanwhile. The reader only queues; what
 * does not fit is dropped (the INVITE's retransmission comes back).
 */
final class RefusalSender implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RefusalSender.class);
    static final int CAPACITY = 4096;
    private final DatagramSocket socket;
    private final BlockingQueue<DatagramPacket> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final Thread thread;

    RefusalSender(DatagramSocket socket, String threadName) {
        this.socket = socket;
        this.thread = Thread.ofPlatform().name(threadName).daemon().start(this::run);
    }

    /** Queues a datagram to send; false when the queue is full (it is dropped). */
    boolean send(DatagramPacket packet) { return queue.offer(packet); }

    private void run() {
        while (!Thread.currentThread().isInterrupted()) {
            DatagramPacket p;
            try {
                p = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                socket.send(p);
            } catch (IOException | RuntimeException e) {
                if (socket.isClosed()) return;
                log.debug("503 to {}:{} not sent: {}", p.getAddress(), p.getPort(), e.toString());
            }
        }
    }

    @Override
    public void close() { thread.interrupt(); }
}
