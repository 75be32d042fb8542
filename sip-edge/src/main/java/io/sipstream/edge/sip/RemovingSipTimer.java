package io.sipstream.edge.sip;

import gov.nist.javax.sip.SipStackImpl;
import gov.nist.javax.sip.stack.SIPDialog;
import gov.nist.javax.sip.stack.SIPStackTimerTask;
import gov.nist.javax.sip.stack.timers.SipTimer;
import java.lang.reflect.Field;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JAIN-SIP's timer, on one thread that forgets a task as soon as it is cancelled.
 *
 * <p>The stack's default ({@code DefaultSipTimer}, a {@link java.util.Timer}) keeps a cancelled task in its
 * queue until the task's time comes. A call arms about a dozen timers (retransmissions, Timers B, F, H, J, K,
 * the 600 s and 120 s transaction lifetimes) and cancels most of them within seconds, so at a few hundred calls
 * a second the queue held hundreds of thousands of dead entries, each insertion paid for their depth, and they
 * lived long enough to be promoted. JAIN-SIP's {@code ScheduledExecutorSipTimer} does remove them, but with a
 * scan of the whole queue every 50 cancels. Here a cancel takes the task out of its tick at once, and the tick out of
 * the executor's heap in O(log n) when it was the tick's last ({@link ScheduledThreadPoolExecutor#setRemoveOnCancelPolicy}).
 * Selected by the stack property
 * {@code gov.nist.javax.sip.TIMER_CLASS_NAME}, which needs a public no-argument constructor.
 *
 * <p>One task is never cancelled by the stack: a dialog's "delete if no ACK sent" check, armed when a 2xx to the
 * edge's INVITE arrives and due 64 x T1 (32 s) later. It does nothing once the ACK is sent, which the edge does at
 * once, yet it held the whole dialog (its messages, route set and transactions) for those 32 s: three quarters of
 * the dialogs alive at 100 calls/s, and what the old generation filled with. {@link AckSentCheck} looks every
 * second whether the ACK has gone and then forgets the task; the timer still fires at 32 s for a dialog whose ACK
 * has not (RFC 3261 13.2.2.4).
 *
 * <p>Tasks are due on a grid of {@link #TICK_MILLIS}: each is put in the {@link Tick} at or after its time, and the
 * executor holds one entry a tick, not one a task. With an entry a task, the (single) thread woke for every distinct
 * deadline, to the nanosecond (a dozen timers a call, plus every transaction's periodic T1 timer), for a head that had
 * been cancelled meanwhile, and whenever a SIP thread scheduled a task earlier than the head (a signal under the
 * queue's lock): the executor's take() was a third of the thread's samples. Now it wakes once for a tick's tasks, and
 * a task due in a tick that exists already takes neither the executor's lock nor the thread. A task runs never before
 * its time and at most a tick after it: no RFC 3261 timer is shorter (a 500 ms T1 becomes at most 510 ms).
 */
public final class RemovingSipTimer implements SipTimer {
    private static final Logger log = LoggerFactory.getLogger(RemovingSipTimer.class);

    /** The grid tasks are due on. */
    static final long TICK_MILLIS = 10;
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);

    private final ScheduledThreadPoolExecutor executor;
    private volatile boolean started;
    private final AtomicInteger dialogsAwaitingAck = new AtomicInteger();
    /** The ticks that have tasks, by number (ticks since {@link #origin}). */
    private final ConcurrentHashMap<Long, Tick> ticks = new ConcurrentHashMap<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final long origin = System.nanoTime();

    public RemovingSipTimer() {
        executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "SipStackTimer"); // the name bench/lib/threadcpu.py counts as JAIN-SIP's
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
    }

    @Override
    public void start(SipStackImpl stack, Properties configuration) {
        started = true;
    }

    @Override
    public boolean isStarted() {
        return started;
    }

    @Override
    public boolean schedule(SIPStackTimerTask task, long delayMillis) {
        checkStarted();
        if (delayMillis > AckSentCheck.EVERY_MILLIS && AckSentCheck.appliesTo(task)) {
            dialogsAwaitingAck.incrementAndGet();
            new AckSentCheck(task, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis)).next();
            return true;
        }
        Entry e = new Entry(task, new Run(task), 0);
        task.setSipTimerTask(e);
        e.placeAfter(System.nanoTime(), delayMillis);
        return true;
    }

    @Override
    public boolean scheduleWithFixedDelay(SIPStackTimerTask task, long delayMillis, long periodMillis) {
        checkStarted();
        Entry e = new Entry(task, new Run(task), Math.max(1, periodMillis));
        task.setSipTimerTask(e);
        e.placeAfter(System.nanoTime(), delayMillis);
        return true;
    }

    @Override
    public boolean cancel(SIPStackTimerTask task) {
        if (!(task.getSipTimerTask() instanceof Entry entry)) return false;
        task.cleanUpBeforeCancel();
        task.setSipTimerTask(null);
        boolean cancelled = entry.cancel();
        if (cancelled && AckSentCheck.appliesTo(task)) dialogsAwaitingAck.decrementAndGet();
        return cancelled;
    }

    @Override
    public void stop() {
        started = false;
        executor.shutdownNow();
        ticks.clear();
    }

    /** Tasks waiting for their tick (cancelled ones are gone). */
    public int queued() {
        return queued.get();
    }

    /** Ticks waiting in the executor's queue: what its thread wakes for. */
    int ticksQueued() {
        return executor.getQueue().size();
    }

    /** The number of the tick a task scheduled at {@code nowNanos} with this delay runs in: the first at or after its time. */
    long tickOf(long nowNanos, long delayMillis) {
        long due = nowNanos - origin + TimeUnit.MILLISECONDS.toNanos(Math.max(0, delayMillis));
        return delayMillis <= 0 ? Math.floorDiv(due, TICK_NANOS) : Math.floorDiv(due + TICK_NANOS - 1, TICK_NANOS);
    }

    /** When tick {@code number} is due, in {@link System#nanoTime()}'s terms. */
    long dueNanos(long number) {
        return origin + number * TICK_NANOS;
    }

    /**
     * The tasks due in one tick, run one after the other by one wake-up of the thread. A tick that has run, or whose
     * last task was cancelled, is closed: it leaves the map and the executor's queue (so a cancelled task is forgotten
     * at once, as before), and a task for its time goes into a new one.
     */
    private final class Tick implements Runnable {
        private final long number;
        private final java.util.LinkedHashSet<Entry> entries = new java.util.LinkedHashSet<>(); // guarded by this
        private volatile boolean closed;
        private Future<?> future; // set before the tick is published in the map

        Tick(long number) { this.number = number; }

        synchronized boolean add(Entry e) {
            if (closed) return false;
            entries.add(e);
            queued.incrementAndGet();
            return true;
        }

        /** Takes a cancelled task out; the tick closes when it was the last. False if it was not waiting here. */
        boolean remove(Entry e) {
            synchronized (this) {
                if (!entries.remove(e)) return false;
                queued.decrementAndGet();
                if (!entries.isEmpty() || closed) return true;
                closed = true;
            }
            ticks.remove(number, this);
            future.cancel(false);
            return true;
        }

        @Override
        public void run() {
            Entry[] due;
            synchronized (this) {
                closed = true;
                due = entries.toArray(new Entry[0]);
                entries.clear();
                queued.addAndGet(-due.length);
            }
            ticks.remove(number, this);
            for (Entry e : due) {
                try {
                    e.fire();
                } catch (RuntimeException | Error failed) { // the tick's other tasks still run
                    log.error("SIP stack {} failed", e, failed);
                }
            }
        }
    }

    /** What the stack holds as a task's timer handle: the task's place in a tick, or a periodic task's next place. */
    private final class Entry {
        private final SIPStackTimerTask task;
        private final Runnable body;
        private final long periodMillis; // 0: once
        private Tick tick; // guarded by this; null while running or done
        private boolean cancelled, done; // guarded by this

        Entry(SIPStackTimerTask task, Runnable body, long periodMillis) {
            this.task = task;
            this.body = body;
            this.periodMillis = periodMillis;
        }

        /** Puts this in the tick of {@code delayMillis} after {@code nowNanos}, creating the tick if it has none. */
        synchronized void placeAfter(long nowNanos, long delayMillis) {
            long number = tickOf(nowNanos, delayMillis);
            while (true) {
                Tick t = ticks.compute(number, (n, existing) -> existing != null && !existing.closed ? existing : newTick(n));
                if (t.add(this)) {
                    tick = t;
                    return;
                }
            }
        }

        private Tick newTick(long number) {
            Tick t = new Tick(number);
            t.future = executor.schedule(t, dueNanos(number) - System.nanoTime(), TimeUnit.NANOSECONDS);
            return t;
        }

        /** True if it will not run (again) for this cancel. */
        boolean cancel() {
            Tick t;
            synchronized (this) {
                if (cancelled || done) return false;
                cancelled = true;
                t = tick;
                tick = null;
            }
            if (t != null) t.remove(this);
            return true;
        }

        /** On the timer thread, in its tick. */
        void fire() {
            synchronized (this) {
                if (cancelled) return;
                tick = null;
                if (periodMillis == 0) done = true;
            }
            body.run();
            if (periodMillis == 0) return;
            synchronized (this) {
                if (cancelled || !started) return;
                try {
                    placeAfter(System.nanoTime(), periodMillis); // a fixed delay, as asked
                } catch (java.util.concurrent.RejectedExecutionException stopped) {
                    done = true;
                }
            }
        }

        @Override
        public String toString() { return "timer of " + task.getClass().getName(); }
    }

    /** Dialogs whose "delete if no ACK sent" check is pending: each is held until its ACK goes or its 32 s pass. */
    public int dialogsAwaitingAck() {
        return dialogsAwaitingAck.get();
    }

    private void checkStarted() {
        if (!started) throw new IllegalStateException("the SIP stack's timer has been stopped");
    }

    /**
     * A dialog's DialogDeleteIfNoAckSentTask, run only if its ACK has not been sent by its time, and forgotten as soon
     * as it has. Reads the stack's private fields (the task's dialog and CSeq, the dialog's highest CSeq acknowledged:
     * the test its runTask makes); if this JAIN-SIP has other fields the task is scheduled as it comes.
     */
    private final class AckSentCheck implements Runnable {
        static final long EVERY_MILLIS = 1000;
        private static final Class<?> TYPE;
        private static final Field DIALOG;
        private static final Field SEQNO;
        private static final Field HIGHEST_ACKED;

        static {
            Class<?> type = null;
            Field dialog = null, seqno = null, acked = null;
            try {
                type = Class.forName("gov.nist.javax.sip.stack.SIPDialog$DialogDeleteIfNoAckSentTask");
                dialog = accessible(type.getDeclaredField("this$0"));
                seqno = accessible(type.getDeclaredField("seqno"));
                acked = accessible(SIPDialog.class.getDeclaredField("highestSequenceNumberAcknowledged"));
            } catch (ReflectiveOperationException | RuntimeException e) {
                log.warn("JAIN-SIP's dialogs are not as expected ({}): a dialog's ACK check holds it 32 s", e.toString());
                type = null;
            }
            TYPE = type;
            DIALOG = dialog;
            SEQNO = seqno;
            HIGHEST_ACKED = acked;
        }

        private final SIPStackTimerTask task;
        private final long dueNanos;

        AckSentCheck(SIPStackTimerTask task, long dueNanos) {
            this.task = task;
            this.dueNanos = dueNanos;
        }

        static boolean appliesTo(SIPStackTimerTask task) {
            return TYPE != null && TYPE.isInstance(task);
        }

        void next() {
            long left = TimeUnit.NANOSECONDS.toMillis(dueNanos - System.nanoTime());
            Entry e;
            if (left <= EVERY_MILLIS) {
                Run last = new Run(task);
                e = new Entry(task, () -> {
                    dialogsAwaitingAck.decrementAndGet();
                    last.run();
                }, 0);
            } else e = new Entry(task, this, 0);
            task.setSipTimerTask(e);
            e.placeAfter(System.nanoTime(), Math.min(Math.max(0, left), EVERY_MILLIS));
        }

        @Override
        public void run() {
            if (task.getSipTimerTask() == null) return; // cancelled meanwhile (and counted by cancel)
            try {
                if (HIGHEST_ACKED.getLong(DIALOG.get(task)) >= SEQNO.getLong(task)) {
                    task.setSipTimerTask(null); // its ACK has gone: the task would do nothing
                    dialogsAwaitingAck.decrementAndGet();
                    return;
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                log.debug("ACK check not made: {}", e.toString());
            }
            if (started) next();
        }

        private static Field accessible(Field f) {
            f.setAccessible(true);
            return f;
        }
    }

    /** A throwing task must neither kill the thread nor (for a periodic one) silently stop its repetitions. */
    private record Run(SIPStackTimerTask task) implements Runnable {
        @Override
        public void run() {
            try {
                task.runTask();
            } catch (RuntimeException | Error e) {
                log.error("SIP stack timer task {} failed", task.getClass().getName(), e);
            }
        }
    }
}
