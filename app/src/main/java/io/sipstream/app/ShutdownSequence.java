package io.sipstream.app;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way the launcher stops what it started: in reverse order of starting, each part only once the one
 * started after it has stopped, so the SIP edge stops taking calls and hangs up, then the services close, and
 * only then the embedded Kafka, Schema Registry and Redis they use. Two shutdown hooks (one per part) would run
 * at once, and the broker could stop under billing and the edge while they were still closing.
 * {@link #stop} runs once, whoever calls it first (the JVM's shutdown hook, or a failed start).
 */
final class ShutdownSequence {
    private static final Logger log = LoggerFactory.getLogger(ShutdownSequence.class);

    private record Part(String name, AutoCloseable closeable) {}

    private final Deque<Part> started = new ArrayDeque<>();
    private final List<String> stopped = new ArrayList<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private boolean stopping;

    /** Something that has started and must stop before everything added before it. */
    synchronized void add(String name, AutoCloseable closeable) {
        if (stopping) { // started while the sequence ran (Ctrl-C during start): stop it at once
            close(new Part(name, closeable));
            return;
        }
        started.push(new Part(name, closeable));
    }

    /** Stops every part, the last added first; a part that fails to stop is logged and the next one still stops. */
    synchronized void stop() {
        if (stopping) return;
        stopping = true;
        while (!started.isEmpty()) close(started.pop());
        done.countDown();
    }

    /** Returns once {@link #stop} has run to its end. */
    void awaitStopped() throws InterruptedException {
        done.await();
    }

    /** A shutdown hook that runs the sequence. */
    Thread hook() {
        return new Thread(this::stop, "sipstream-shutdown");
    }

    /** The parts stopped so far, in the order they stopped. */
    synchronized List<String> stopped() {
        return List.copyOf(stopped);
    }

    private void close(Part part) {
        log.info("stopping {}", part.name());
        try {
            part.closeable().close();
        } catch (Exception e) {
            log.warn("{} did not stop cleanly: {}", part.name(), e.toString());
        }
        stopped.add(part.name());
    }
}
