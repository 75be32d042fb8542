package io.sipstream.edge.sip;

import gov.nist.javax.sip.SipStackImpl;
import gov.nist.javax.sip.stack.SIPDialog;
import gov.nist.javax.sip.stack.SIPStackTimerTask;
import gov.nist.javax.sip.stack.timers.SipTimer;
import java.lang.reflect.Field;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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
 * scan of the whole queue every 50 cancels. Here a cancel removes its entry from the executor's heap in
 * O(log n) ({@link ScheduledThreadPoolExecutor#setRemoveOnCancelPolicy}). Selected by the stack property
 * {@code gov.nist.javax.sip.TIMER_CLASS_NAME}, which needs a public no-argument constructor.
 *
 * <p>One task is never cancelled by the stack: a dialog's "delete if no ACK sent" check, armed when a 2xx to the
 * edge's INVITE arrives and due 64 x T1 (32 s) later. It does nothing once the ACK is sent, which the edge does at
 * once, yet it held the whole dialog (its messages, route set and transactions) for those 32 s: three quarters of
 * the dialogs alive at 100 calls/s, and what the old generation filled with. {@link AckSentCheck} looks every
 * second whether the ACK has gone and then forgets the task; the timer still fires at 32 s for a dialog whose ACK
 * has not (RFC 3261 13.2.2.4).
 */
public final class RemovingSipTimer implements SipTimer {
    private static final Logger log = LoggerFactory.getLogger(RemovingSipTimer.class);

    private final ScheduledThreadPoolExecutor executor;
    private volatile boolean started;
    private final java.util.concurrent.atomic.AtomicInteger dialogsAwaitingAck = new java.util.concurrent.atomic.AtomicInteger();

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
        task.setSipTimerTask(executor.schedule(new Run(task), delayMillis, TimeUnit.MILLISECONDS));
        return true;
    }

    @Override
    public boolean scheduleWithFixedDelay(SIPStackTimerTask task, long delayMillis, long periodMillis) {
        checkStarted();
        task.setSipTimerTask(executor.scheduleWithFixedDelay(new Run(task), delayMillis, periodMillis, TimeUnit.MILLISECONDS));
        return true;
    }

    @Override
    public boolean cancel(SIPStackTimerTask task) {
        if (!(task.getSipTimerTask() instanceof Future<?> future)) return false;
        task.cleanUpBeforeCancel();
        task.setSipTimerTask(null);
        boolean cancelled = future.cancel(false);
        if (cancelled && AckSentCheck.appliesTo(task)) dialogsAwaitingAck.decrementAndGet();
        return cancelled;
    }

    @Override
    public void stop() {
        started = false;
        executor.shutdownNow();
    }

    /** Tasks waiting in the queue (cancelled ones are gone from it). */
    public int queued() {
        return executor.getQueue().size();
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
            if (left <= EVERY_MILLIS) {
                Run last = new Run(task);
                task.setSipTimerTask(executor.schedule(() -> {
                    dialogsAwaitingAck.decrementAndGet();
                    last.run();
                }, Math.max(0, left), TimeUnit.MILLISECONDS));
            } else task.setSipTimerTask(executor.schedule(this, EVERY_MILLIS, TimeUnit.MILLISECONDS));
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
