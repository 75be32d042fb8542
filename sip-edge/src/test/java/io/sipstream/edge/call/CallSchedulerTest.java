package io.sipstream.edge.call;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.edge.log.CallMdc;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A call's tasks carry the call's id to the thread that runs them, and leave that thread untagged. */
class CallSchedulerTest {
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService io = Executors.newSingleThreadExecutor(); // one pooled thread: what a task leaves, the next finds
    private final CallScheduler scheduler = new CallScheduler(timers, io);
    private final LinkedBlockingQueue<String> seen = new LinkedBlockingQueue<>();

    @AfterEach
    void stop() {
        CallMdc.clear();
        timers.shutdownNow();
        io.shutdownNow();
    }

    @Test
    void shouldRunATaskWithTheCallItWasScheduledForAndClearTheThreadAfterIt() throws Exception {
        CallMdc.put("edge-1:call-a");
        scheduler.offload(() -> seen.add(tagOf()), () -> seen.add("refused"));
        scheduler.after(Duration.ofMillis(1), () -> seen.add(tagOf()));
        assertThat(next()).isEqualTo("edge-1:call-a");
        assertThat(next()).isEqualTo("edge-1:call-a");

        CallMdc.clear();
        scheduler.offload(() -> seen.add(tagOf()), () -> seen.add("refused"));
        scheduler.after(Duration.ofMillis(1), () -> seen.add(tagOf()));
        assertThat(next()).as("the pooled thread kept no tag").isEqualTo("none");
        assertThat(next()).isEqualTo("none");
    }

    @Test
    void shouldClearWhatATaskTaggedItselfEvenWhenItFails() throws Exception {
        scheduler.offload(() -> {
            CallMdc.put("edge-1:call-b"); // a task that starts a call tags the thread with it
            throw new IllegalStateException("a bug in one call");
        }, () -> seen.add("refused"));
        scheduler.offload(() -> seen.add(tagOf()), () -> seen.add("refused"));
        assertThat(next()).isEqualTo("none");
    }

    private static String tagOf() {
        String id = CallMdc.current();
        return id == null ? "none" : id;
    }

    private String next() throws InterruptedException {
        String s = seen.poll(5, TimeUnit.SECONDS);
        assertThat(s).as("the task ran").isNotNull();
        return s;
    }
}
