package io.sipstream.edge.events;

import io.sipstream.avro.CallEvent;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes call events from SIP and timer threads and, on one thread of its own (so a call's
 * events keep their order and no SIP thread waits on disk or Kafka), journals then publishes them.
 * A call's closing event (ENDED, FAILED) is journalled like the others and the call forgotten only
 * once Kafka has acknowledged it: an edge that dies in between re-emits it at its next start
 * (the same event id, which billing de-duplicates). One the bus gave up on (e.g. its metadata wait
 * ran out while the broker restarted) is published again every {@code retryDelay} while the edge
 * runs: otherwise billing would not hear of the call's end before the edge's next start.
 */
public final class CallEventSink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CallEventSink.class);
    private static final Duration RETRY_DELAY = Duration.ofSeconds(5);
    private final CallEventPublisher publisher;
    private final CallJournal journal;
    private final Duration retryDelay;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "edge-call-events");
        t.setDaemon(true);
        return t;
    });
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "edge-call-events-retry");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;

    public CallEventSink(CallEventPublisher publisher, CallJournal journal) {
        this(publisher, journal, RETRY_DELAY);
    }

    CallEventSink(CallEventPublisher publisher, CallJournal journal, Duration retryDelay) {
        this.publisher = publisher;
        this.journal = journal;
        this.retryDelay = retryDelay;
    }

    public void emit(CallEvent event) {
        worker.execute(() -> {
            try {
                journal.record(event);
                if (CallJournal.closes(event)) publishClosing(event);
                else publisher.publish(event);
            } catch (RuntimeException e) {
                log.error("call event {} not emitted", event.getEventId(), e);
            }
        });
    }

    private void publishClosing(CallEvent closing) {
        publisher.publish(closing, () -> forget(closing), failure -> retryLater(closing));
    }

    /** Called from the publisher's thread; the journal still holds the event, so a stop in between loses nothing. */
    private void retryLater(CallEvent closing) {
        if (closed) return;
        try {
            retries.schedule(() -> {
                try {
                    worker.execute(() -> {
                        log.info("call event {}: publishing it again", closing.getEventId());
                        publishClosing(closing);
                    });
                } catch (RejectedExecutionException stopping) {
                    // the journal keeps it for the next start
                }
            }, retryDelay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            // the journal keeps it for the next start
        }
    }

    /** Called from the publisher's thread: the journal is written on the sink's own. */
    private void forget(CallEvent closing) {
        try {
            worker.execute(() -> journal.forget(closing));
        } catch (RejectedExecutionException stopping) {
            journal.forget(closing);
        }
    }

    public void heartbeat(long nowMillis) { worker.execute(() -> journal.heartbeat(nowMillis)); }

    public CallJournal journal() { return journal; }

    @Override
    public void close() {
        closed = true;
        retries.shutdownNow();
        worker.shutdown();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
