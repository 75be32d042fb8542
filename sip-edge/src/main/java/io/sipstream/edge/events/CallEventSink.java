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
                publisher.publish(event);
            } catch (RuntimeException e) {
                log.error("call event {} not emitted", event.getEventId(), e);
            }
        });
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
