package io.sipstream.edge.events;

import io.sipstream.avro.CallEvent;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes call events from SIP and timer threads and, on one thread of its own (so a call's
 * events keep their order and no SIP thread waits on disk or Kafka), journals then publishes them.
 * A call's closing event (ENDED, FAILED) is journalled like the others and the call forgotten only
 * once Kafka has acknowledged it: an edge that dies in between re-emits it at its next start
 * (the same event id, which billing de-duplicates).
 */
public final class CallEventSink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CallEventSink.class);
    private final CallEventPublisher publisher;
    private final CallJournal journal;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "edge-call-events");
        t.setDaemon(true);
        return t;
    });

    public CallEventSink(CallEventPublisher publisher, CallJournal journal) {
        this.publisher = publisher;
        this.journal = journal;
    }

    public void emit(CallEvent event) {
        worker.execute(() -> {
            try {
                journal.record(event);
                if (CallJournal.closes(event)) publisher.publish(event, () -> forget(event));
                else publisher.publish(event);
            } catch (RuntimeException e) {
                log.error("call event {} not emitted", event.getEventId(), e);
            }
        });
    }

    /** Called from the publisher's thread: the journal is written on the sink's own. */
    private void forget(CallEvent closing) {
        try {
            worker.execute(() -> journal.forget(closing));
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            journal.forget(closing);
        }
    }

    public void heartbeat(long nowMillis) { worker.execute(() -> journal.heartbeat(nowMillis)); }

    public CallJournal journal() { return journal; }

    @Override
    public void close() {
        worker.shutdown();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
