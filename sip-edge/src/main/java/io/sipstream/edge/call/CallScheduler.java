package io.sipstream.edge.call;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the calls' deadlines ({@code timers}) and, off the SIP threads, what may block: Redis
 * ({@code io}). A task's exception is logged, never lost silently.
 */
public final class CallScheduler {
    private static final Logger log = LoggerFactory.getLogger(CallScheduler.class);
    private final ScheduledExecutorService timers;
    private final Executor io;

    public CallScheduler(ScheduledExecutorService timers, Executor io) {
        this.timers = timers;
        this.io = io;
    }

    /** Runs a task after a delay. */
    public ScheduledFuture<?> after(Duration delay, Runnable task) {
        return timers.schedule(() -> guarded(task), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    public ScheduledFuture<?> every(Duration period, Runnable task) {
        return timers.scheduleAtFixedRate(() -> guarded(task), period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Runs what may block (Redis) on the I/O executor. */
    public void offload(Runnable task) { io.execute(() -> guarded(task)); }

    private static void guarded(Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            log.error("call task failed", t);
        }
    }
}
