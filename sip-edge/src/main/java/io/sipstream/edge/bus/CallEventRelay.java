package io.sipstream.edge.bus;

import io.sipstream.avro.CallEvent;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what the call journal has written to Kafka, on a thread of its own: the journal's outbox relay.
 * A send can wait (up to the producer's max.block.ms, for the topic's metadata, while no broker answers);
 * only this thread waits, so the journal's thread keeps writing events and heartbeats through an outage.
 *
 * <p>Events go out in the order they were journalled, up to {@code capacity} of them waiting. Past that (Kafka
 * slower than the calls, for long) a call's events wait coalesced: only its latest is kept, and it goes out
 * once the ordered ones have. So does an event the bus gave up on (its delivery timeout or metadata wait ran
 * out, or the Schema Registry failed to give its schema id), no sooner than {@code retryDelay} after the
 * failure, if it is still the latest the journal holds of its call or the call's closing one: each event
 * carries all its call's earlier ones did (an ATTEMPT lost to a failing registry left billing a call without
 * caller, destination or trunk), and billing would not hear of a call's end before the edge's next start. An
 * outage therefore costs memory per call, not per event. A closing event's acknowledgement is handed to
 * {@code onClosingDelivered} (the journal forgets the call).
 *
 * <p>Up ({@link #stalledFor}) while nothing waits, or something was delivered within {@link #STALLED}.
 */
final class CallEventRelay implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CallEventRelay.class);
    private static final int MAX_BATCH = 1024;
    /** Events waiting this long with none delivered: the bus is reported down. */
    static final Duration STALLED = Duration.ofSeconds(10);

    private final CallEventPublisher publisher;
    private final CallJournal journal;
    private final Consumer<CallEvent> onClosingDelivered;
    private final int capacity;
    private final long retryDelayNanos;
    private final Thread thread;

    // under this
    /** Journalled, to be sent in this order. */
    private final ArrayDeque<CallEvent> ready = new ArrayDeque<>();
    /** Per call, its latest event, to be sent once {@link #ready} is empty (and not before {@link #retryAt}). */
    private final Map<String, CallEvent> coalesced = new LinkedHashMap<>();
    private long retryAt;
    private boolean stopping;

    /** Events the bus gave up on, from the producer's thread: sorted out on the relay's, which may ask the journal. */
    private final Queue<CallEvent> failed = new ConcurrentLinkedQueue<>();
    /** Taken to be sent (those of a batch behind a send that waits too) and not yet acknowledged or failed. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile long progressMillis = System.currentTimeMillis();

    CallEventRelay(CallEventPublisher publisher, CallJournal journal, int capacity, Duration retryDelay,
                   Consumer<CallEvent> onClosingDelivered) {
        this.publisher = publisher;
        this.journal = journal;
        this.capacity = capacity;
        this.retryDelayNanos = retryDelay.toNanos();
        this.onClosingDelivered = onClosingDelivered;
        this.retryAt = System.nanoTime();
        this.thread = Thread.ofPlatform().name("edge-call-events-relay").daemon().start(this::run);
    }

    /** Events just journalled, in their order: from the journal's thread, which this never keeps waiting for Kafka. */
    synchronized void handOff(List<CallEvent> journalled) {
        if (journalled.isEmpty()) return;
        if (nothingWaiting()) progressMillis = System.currentTimeMillis(); // a wait for delivery starts now
        for (CallEvent e : journalled) {
            // a call already waiting coalesced stays so: its later event must not overtake the one kept
            if (ready.size() < capacity && !coalesced.containsKey(e.getCallId())) ready.add(e);
            else coalesced.put(e.getCallId(), e);
        }
        notifyAll();
    }

    /** Events journalled and not yet acknowledged by Kafka (the calls waiting coalesced count one each). */
    synchronized int unpublished() { return ready.size() + coalesced.size() + failed.size() + inFlight.get(); }

    /** How long events have waited with none delivered; zero when nothing waits or deliveries go on. */
    Duration stalledFor() {
        if (unpublished() == 0) return Duration.ZERO;
        long waited = System.currentTimeMillis() - progressMillis;
        return waited < STALLED.toMillis() ? Duration.ZERO : Duration.ofMillis(waited);
    }

    private boolean nothingWaiting() { return ready.isEmpty() && coalesced.isEmpty() && failed.isEmpty() && inFlight.get() == 0; }

    private void run() {
        List<CallEvent> batch = new ArrayList<>(MAX_BATCH);
        try {
            while (next(batch)) {
                for (int i = 0; i < batch.size(); i++) {
                    if (Thread.currentThread().isInterrupted()) { // stopped while a send waited: the rest stays journalled
                        inFlight.addAndGet(i - batch.size());
                        return;
                    }
                    send(batch.get(i));
                }
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // stopped: the journal keeps what was not sent for the next start
        }
    }

    /** The next events to send, waiting for some; false once stopped with nothing left to send. */
    private synchronized boolean next(List<CallEvent> batch) throws InterruptedException {
        while (true) {
            sortOutFailures();
            if (!ready.isEmpty()) {
                for (int i = 0; i < MAX_BATCH && !ready.isEmpty(); i++) batch.add(ready.poll());
                inFlight.addAndGet(batch.size());
                return true;
            }
            long now = System.nanoTime();
            if (!coalesced.isEmpty() && (stopping || now - retryAt >= 0)) {
                batch.addAll(coalesced.values());
                coalesced.clear();
                inFlight.addAndGet(batch.size());
                return true;
            }
            if (stopping) return false;
            // woken by a hand-off or a stop; failures are looked at least every retry delay
            long waitNanos = coalesced.isEmpty() ? retryDelayNanos : Math.max(1, retryAt - now);
            TimeUnit.NANOSECONDS.timedWait(this, waitNanos);
        }
    }

    /** Under the lock, so that a call's newer event handed off meanwhile is never overwritten by an older one. */
    private void sortOutFailures() {
        for (CallEvent e; (e = failed.poll()) != null; ) {
            if (stopping) continue; // each is sent once at a stop; a closing one stays journalled for the next start
            retryAt = System.nanoTime() + retryDelayNanos;
            // a later event of the call carries what this one did; the closing one is retried while the journal holds the call
            if (CallJournal.closes(e) || journal.holdsLatest(e)) coalesced.put(e.getCallId(), e);
        }
    }

    private void send(CallEvent e) {
        try {
            publisher.publish(e, () -> delivered(e), failure -> failed(e));
        } catch (RuntimeException ex) {
            // not a failure to retry: the event itself cannot be sent (a schema the registry refuses), or a stop
            // interrupted the send; the journal keeps a closing event for the next start
            inFlight.decrementAndGet();
            log.error("call event {} not sent", e.getEventId(), ex);
        }
    }

    private void delivered(CallEvent e) {
        progressMillis = System.currentTimeMillis();
        inFlight.decrementAndGet();
        if (CallJournal.closes(e)) onClosingDelivered.accept(e);
    }

    private void failed(CallEvent e) {
        failed.add(e); // before the in-flight count drops: never counted as nothing waiting
        inFlight.decrementAndGet();
    }

    /**
     * Sends what is waiting (the coalesced calls too) for up to {@code grace}, then stops; what was not sent stays in
     * the journal, and a call's closing event is sent again at the next start.
     */
    void close(Duration grace) {
        synchronized (this) {
            stopping = true;
            notifyAll();
        }
        try {
            thread.join(grace.toMillis());
            if (thread.isAlive()) {
                log.warn("call events: {} not handed to Kafka within {}: the journal keeps them for the next start", unpublished(), grace);
                thread.interrupt(); // a send waiting for the broker's metadata gives up
                thread.join(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() { close(Duration.ofSeconds(5)); }
}
