package io.sipstream.edge.sip;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;

/**
 * Runs what waits on the edge's store (Redis) off the SIP threads, each task on a virtual thread, at
 * most {@code maxTasks} at once (running, or waiting for one of the pool's connections). A task past
 * that is refused at once with {@link RejectedExecutionException}, and its request is answered 503:
 * when Redis is slow, the work a caller is waiting on must not pile up behind it, each unanswered.
 * With the pool's bounded wait ({@code redis.pool.max.wait}) and the command timeout ({@code redis.timeout}),
 * no caller waits on Redis longer than those two.
 */
public final class StoreExecutor implements Executor, AutoCloseable {
    private final Semaphore slots;
    private final int maxTasks;
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("edge-io-", 0).factory());

    public StoreExecutor(int maxTasks) {
        this.maxTasks = maxTasks;
        this.slots = new Semaphore(maxTasks);
    }

    @Override
    public void execute(Runnable task) {
        if (!slots.tryAcquire()) throw new RejectedExecutionException("the edge's store is busy: " + maxTasks + " requests wait on it");
        try {
            threads.execute(() -> {
                try {
                    task.run();
                } finally {
                    slots.release();
                }
            });
        } catch (RejectedExecutionException stopped) {
            slots.release();
            throw stopped;
        }
    }

    @Override
    public void close() { threads.shutdownNow(); }
}
