package io.sipstream.edge.call;

import io.sipstream.edge.log.CallMdc;
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
 * never lost silently. A task runs tagged with the call its scheduler worked for ({@link CallMdc}),
 * so its log lines name the call too.
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
        String callId = CallMdc.current();
        return timers.schedule(() -> guarded(callId, task), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    public ScheduledFuture<?> every(Duration period, Runnable task) {
        String callId = CallMdc.current();
        return timers.scheduleAtFixedRate(() -> guarded(callId, task), period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Runs what may block (Redis) on the I/O executor; {@code refused} runs instead, on this thread, when
     * the executor takes no more (Redis too slow to keep up, or the edge stopping): whoever waits on the
     * task must still get an answer.
     */
    public void offload(Runnable task, Runnable refused) {
        String callId = CallMdc.current();
        try {
            io.execute(() -> guarded(callId, task));
        } catch (RejectedExecutionException e) {
            log.debug("store work refused: {}", e.getMessage()); // the refusal's answer says so
            runHere(refused); // this thread keeps its own tag
        }
    }

    private static void guarded(String callId, Runnable task) {
        CallMdc.put(callId);
        try {
            runHere(task);
        } finally {
            CallMdc.clear(); // also what the task itself tagged (a call it started)
        }
    }

    private static void runHere(Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            log.error("call task failed", t);
        }
    }
}
