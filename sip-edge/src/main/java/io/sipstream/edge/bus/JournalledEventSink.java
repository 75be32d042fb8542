package io.sipstream.edge.bus;

import io.sipstream.avro.CallEvent;
import io.sipstream.edge.call.CallDialogs;
import io.sipstream.edge.call.CallEventSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes call events from SIP and timer threads and, on one thread of its own (so a call's
 * events keep their order and no SIP thread waits on disk or Kafka), journals then publishes them.
 * The thread takes what has queued up as one batch: it journals all of it with one write, then
 * publishes it, so nothing reaches Kafka before its journal record is written.
 * A call's closing event (ENDED, FAILED) is journalled like the others and the call forgotten only
 * once Kafka has acknowledged it: an edge that dies in between re-emits it at its next start
 * (the same event id, which billing de-duplicates). One the bus gave up on (e.g. its metadata wait
 * ran out while the broker restarted, or the Schema Registry failed to give its schema id) is
 * published again every {@code retryDelay} while the edge runs: otherwise billing would not hear of
 * the call's end before the edge's next start. So is any other event of a live call the bus gave up
 * on, as long as it is the latest the journal holds of its call (each event carries all its call's
 * earlier ones did: an ATTEMPT lost to a failing registry left billing a call without caller,
 * destination or trunk).
 */
final class JournalledEventSink implements CallEventSink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JournalledEventSink.class);
    private static final Duration RETRY_DELAY = Duration.ofSeconds(5);
    private static final int MAX_BATCH = 1024;

    /** What the sink's thread does: journal and publish an event, publish one again, forget a call, or beat. */
    private enum Kind { EMIT, PUBLISH_AGAIN, FORGET, HEARTBEAT, STOP }

    /** {@code dialogs}: an answered call's, journalled with its ANSWERED event. */
    private record Work(Kind kind, CallEvent event, long millis, CallDialogs dialogs) {
        Work(Kind kind, CallEvent event, long millis) { this(kind, event, millis, null); }
    }

    private final CallEventPublisher publisher;
    private final CallJournal journal;
    private final Duration retryDelay;
    private final BlockingQueue<Work> queue = new LinkedBlockingQueue<>();
    private final Thread worker;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "edge-call-events-retry");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;

    JournalledEventSink(CallEventPublisher publisher, CallJournal journal) {
        this(publisher, journal, RETRY_DELAY);
    }

    JournalledEventSink(CallEventPublisher publisher, CallJournal journal, Duration retryDelay) {
        this.publisher = publisher;
        this.journal = journal;
        this.retryDelay = retryDelay;
        this.worker = Thread.ofPlatform().name("edge-call-events").daemon().start(this::run);
    }

    @Override
    public void emit(CallEvent event) { emit(event, null); }

    @Override
    public void emit(CallEvent event, CallDialogs dialogs) {
        if (closed) {
            log.warn("call event {} not emitted: the edge is stopping", event.getEventId());
            return;
        }
        queue.add(new Work(Kind.EMIT, event, 0, dialogs));
    }

    /** Marks the journal's live calls alive now (on the sink's thread, in order with their events). */
    void heartbeat(long nowMillis) { queue.add(new Work(Kind.HEARTBEAT, null, nowMillis)); }

    private void run() {
        List<Work> batch = new ArrayList<>();
        try {
            while (true) {
                batch.add(queue.take());
                queue.drainTo(batch, MAX_BATCH - 1);
                if (!handle(batch)) return;
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Journals the whole batch with one flush, then publishes it; false once it held the stop. */
    private boolean handle(List<Work> batch) {
        journal.batch(() -> batch.forEach(this::journal));
        boolean stop = false;
        for (Work w : batch) {
            try {
                switch (w.kind()) {
                    case EMIT -> {
                        if (CallJournal.closes(w.event())) publishClosing(w.event());
                        else publishLive(w.event());
                    }
                    case PUBLISH_AGAIN -> {
                        if (CallJournal.closes(w.event())) {
                            log.info("call event {}: publishing it again", w.event().getEventId());
                            publishClosing(w.event());
                        } else if (journal.holdsLatest(w.event())) {
                            log.info("call event {}: publishing it again", w.event().getEventId());
                            publishLive(w.event());
                        } // else a later event of the call, or its end, carries what this one did
                    }
                    case STOP -> stop = true;
                    case FORGET, HEARTBEAT -> { }
                }
            } catch (RuntimeException e) {
                log.error("call event {} not emitted", w.event().getEventId(), e);
            }
        }
        return !stop;
    }

    private void journal(Work w) {
        try {
            switch (w.kind()) {
                case EMIT -> journal.record(w.event(), w.dialogs());
                case FORGET -> journal.forget(w.event());
                case HEARTBEAT -> journal.heartbeat(w.millis());
                case PUBLISH_AGAIN, STOP -> { } // an event published again is in the journal already
            }
        } catch (RuntimeException e) {
            log.error("call journal: {} of {} failed", w.kind(), w.event() == null ? "heartbeat" : w.event().getEventId(), e);
        }
    }

    private void publishClosing(CallEvent closing) {
        publisher.publish(closing, () -> forget(closing), failure -> retryLater(closing));
    }

    private void publishLive(CallEvent event) {
        publisher.publish(event, () -> { }, failure -> retryLater(event));
    }

    /** Called from the publisher's thread; the journal still holds the event, so a stop in between loses nothing. */
    private void retryLater(CallEvent event) {
        if (closed) return;
        try {
            retries.schedule(() -> {
                if (!closed) queue.add(new Work(Kind.PUBLISH_AGAIN, event, 0));
            }, retryDelay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            // the journal keeps it for the next start
        }
    }

    /** Called from the publisher's thread: the journal is written on the sink's own while it runs. */
    private void forget(CallEvent closing) {
        if (closed) journal.forget(closing);
        else queue.add(new Work(Kind.FORGET, closing, 0));
    }

    @Override
    public void close() {
        closed = true;
        retries.shutdownNow();
        queue.add(new Work(Kind.STOP, null, 0));
        try {
            worker.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // forgets queued after the stop: else the journal re-emits those calls at the next start
        List<Work> late = new ArrayList<>();
        queue.drainTo(late);
        journal.batch(() -> late.stream().filter(w -> w.kind() == Kind.FORGET).forEach(this::journal));
    }
}
