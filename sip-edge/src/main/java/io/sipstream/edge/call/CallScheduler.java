package io.sipstream.edge.call;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the calls' deadlines ({@code timers}) and, off the SIP threads, what may block: Redis
 * ({@code io}, bounded: {@link io.sipstream.edge.sip.StoreExecutor}). A task's exception is logged,
 * never lost silently.
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

    /**
     * Runs what may block (Redis) on the I/O executor; {@code refused} runs instead, on this thread, when
     * the executor takes no more (Redis too slow to keep up, or the edge stopping): whoever waits on the
     * task must still get an answer.
     */
    public void offload(Runnable task, Runnable refused) {
        try {
            io.execute(() -> guarded(task));
        } catch (RejectedExecutionException e) {
            log.debug("store work refused: {}", e.getMessage()); // the refusal's answer says so
            guarded(refused);
        }
    }

    private static void guarded(Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            log.error("call task failed", t);
        }
    }
}
