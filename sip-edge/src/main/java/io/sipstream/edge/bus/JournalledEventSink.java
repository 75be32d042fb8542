package io.sipstream.edge.bus;

import io.sipstream.avro.CallEvent;
import io.sipstream.edge.call.CallDialogs;
import io.sipstream.edge.call.CallEventSink;
import io.sipstream.edge.overload.Backlog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes call events from SIP and timer threads into a bounded queue and journals them on one thread of its own
 * (so a call's events keep their order and no SIP thread waits on disk), then hands them to the
 * {@link CallEventRelay}, which sends them to Kafka on another: this thread never waits on Kafka, so events and
 * heartbeats are journalled at once through a broker outage. It takes what has queued up as one batch and
 * journals all of it with one write, so nothing reaches Kafka before its journal record is written.
 *
 * <p>A call's closing event (ENDED, FAILED) is journalled like the others and the call forgotten only once
 * Kafka has acknowledged it: an edge that dies in between re-emits it at its next start (the same event id,
 * which billing de-duplicates). One the bus gave up on is sent again from the journal while the edge runs
 * ({@link CallEventRelay}).
 *
 * <p>The queue holds {@code capacity} events. Past nine tenths of that, new calls are refused ({@link Backlog});
 * the last tenth is for the events of calls already up, which are never dropped: when even that is full, the
 * emitting thread waits for room (see {@link #emit}).
 */
final class JournalledEventSink implements CallEventSink, Backlog, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JournalledEventSink.class);
    static final Duration RETRY_DELAY = Duration.ofSeconds(5);
    static final int DEFAULT_CAPACITY = 10_000;
    private static final int MAX_BATCH = 1024;
    private static final long WARN_EVERY_MILLIS = 10_000;

    /** An event to journal, with an answered call's dialogs (journalled with its ANSWERED event), or a marker. */
    private record Queued(CallEvent event, CallDialogs dialogs) {}

    /** Markers among the events, told apart by identity: wake the thread (forgets, a heartbeat), or stop it. */
    private static final Queued WAKE = new Queued(null, null), STOP = new Queued(null, null);

    private final CallJournal journal;
    private final CallEventRelay relay;
    private final BlockingQueue<Queued> queue;
    private final int refuseAt;
    /** Closing events Kafka acknowledged: their calls are forgotten on this sink's thread. */
    private final Queue<CallEvent> delivered = new ConcurrentLinkedQueue<>();
    private final AtomicLong beat = new AtomicLong();
    private final AtomicBoolean woken = new AtomicBoolean();
    private final AtomicLong lastFullWarning = new AtomicLong();
    private final Thread worker;
    private volatile boolean closed;

    JournalledEventSink(CallEventPublisher publisher, CallJournal journal) { this(publisher, journal, RETRY_DELAY, DEFAULT_CAPACITY); }

    JournalledEventSink(CallEventPublisher publisher, CallJournal journal, Duration retryDelay) {
        this(publisher, journal, retryDelay, DEFAULT_CAPACITY);
    }

    JournalledEventSink(CallEventPublisher publisher, CallJournal journal, Duration retryDelay, int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be positive: " + capacity);
        this.journal = journal;
        this.queue = new LinkedBlockingQueue<>(capacity);
        this.refuseAt = capacity - capacity / 10;
        this.relay = new CallEventRelay(publisher, journal, capacity, retryDelay, this::forgetOnceDelivered);
        this.worker = Thread.ofPlatform().name("edge-call-events").daemon().start(this::run);
    }

    /**
     * Queues the event for the journal. When the queue is full (the journal's disk stalled or far slower than the
     * calls: Kafka never holds it up), new calls are being refused and this is an event of a call already up,
     * which must not be lost: the caller waits for room, as it would for a write of its own to that disk. Writing
     * it here instead would not wait less (the same disk, the journal's lock) and would journal it before its
     * call's earlier events still queued.
     */
    @Override
    public void emit(CallEvent event) { emit(event, null); }

    /** As {@link #emit(CallEvent)}, an answered call's ANSWERED with the dialogs it bridges (kept until it ends). */
    @Override
    public void emit(CallEvent event, CallDialogs dialogs) {
        if (closed) {
            log.warn("call event {} not emitted: the edge is stopping", event.getEventId());
            return;
        }
        Queued q = new Queued(event, dialogs);
        if (queue.offer(q)) return;
        long now = System.currentTimeMillis();
        long warned = lastFullWarning.get();
        if (now - warned >= WARN_EVERY_MILLIS && lastFullWarning.compareAndSet(warned, now)) {
            log.warn("call events: the journal's queue is full ({} events): calls wait for the journal to write", queue.size());
        }
        try {
            queue.put(q);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.error("call event {} not journalled: interrupted while the journal's queue was full", event.getEventId());
        }
    }

    /** Marks the journal's live calls alive at {@code nowMillis}, written with the next batch. */
    void heartbeat(long nowMillis) {
        beat.set(nowMillis);
        wake();
    }

    @Override
    public int queued() { return queue.size(); }

    @Override
    public boolean refusesNewCalls() { return queue.size() >= refuseAt; }

    /** Events journalled and not yet acknowledged by Kafka. */
    int unpublished() { return relay.unpublished(); }

    /** How long journalled events have waited for Kafka with none delivered (zero while deliveries go on). */
    Duration stalledFor() { return relay.stalledFor(); }

    private void wake() {
        // a marker only when none is pending: a full queue wakes the thread anyway
        if (woken.compareAndSet(false, true) && !queue.offer(WAKE)) woken.set(false);
    }

    private void run() {
        List<Queued> batch = new ArrayList<>(MAX_BATCH);
        List<Queued> events = new ArrayList<>(MAX_BATCH);
        List<CallEvent> journalled = new ArrayList<>(MAX_BATCH);
        try {
            boolean stop = false;
            while (!stop) {
                batch.add(queue.take());
                queue.drainTo(batch, MAX_BATCH - 1);
                woken.set(false);
                for (Queued q : batch) {
                    if (q == STOP) stop = true;
                    else if (q != WAKE) events.add(q);
                }
                journal.batch(() -> {
                    for (Queued q : events) {
                        journal(() -> journal.record(q.event(), q.dialogs()), q.event().getEventId());
                        journalled.add(q.event());
                    }
                    forgetDelivered();
                    // after the batch's events: their calls were up when it beat (one begun since ends no earlier than its event)
                    long at = beat.getAndSet(0);
                    if (at != 0) journal(() -> journal.heartbeat(at), "heartbeat");
                });
                relay.handOff(journalled);
                batch.clear();
                events.clear();
                journalled.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void journal(Runnable write, String what) {
        try {
            write.run();
        } catch (RuntimeException e) {
            log.error("call journal: {} not written", what, e);
        }
    }

    private void forgetDelivered() {
        for (CallEvent closing; (closing = delivered.poll()) != null; ) {
            CallEvent c = closing;
            journal(() -> journal.forget(c), "forget of " + c.getCallId());
        }
    }

    /** From the producer's thread: the journal is written on the sink's own while it runs. */
    private void forgetOnceDelivered(CallEvent closing) {
        if (closed) {
            journal.forget(closing);
        } else {
            delivered.add(closing);
            wake();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            queue.put(STOP); // after every event queued before the stop: they are journalled and handed on
            worker.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        relay.close();
        // forgets that came after the worker stopped: else the journal re-emits those calls at the next start
        journal.batch(this::forgetDelivered);
    }
}
