package io.sipstream.edge.sip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import gov.nist.javax.sip.SipStackImpl;
import gov.nist.javax.sip.stack.SIPStackTimerTask;
import io.sipstream.edge.sip.tcp.ConnectionLimits;
import io.sipstream.edge.support.TestUserAgent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RemovingSipTimerTest {
    private RemovingSipTimer timer;

    @BeforeEach
    void start() {
        timer = new RemovingSipTimer();
        timer.start(null, new Properties());
    }

    @AfterEach
    void stop() { timer.stop(); }

    @Test
    void aCancelledTaskLeavesTheQueueAtOnceAndNeverRuns() {
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            Task t = new Task(() -> {});
            timer.schedule(t, 600_000);
            tasks.add(t);
        }
        assertThat(timer.queued()).isEqualTo(10_000);
        for (Task t : tasks) assertThat(timer.cancel(t)).isTrue();
        assertThat(timer.queued()).isZero();
        assertThat(tasks).allMatch(t -> t.cleanedUp && t.getSipTimerTask() == null);
        // cancelling again (the stack does) is harmless
        assertThat(timer.cancel(tasks.get(0))).isFalse();
    }

    @Test
    void aTaskRunsAfterItsDelayAndACancelledOneDoesNot() {
        AtomicInteger ran = new AtomicInteger();
        AtomicInteger cancelledRan = new AtomicInteger();
        Task cancelled = new Task(cancelledRan::incrementAndGet);
        timer.schedule(cancelled, 50);
        timer.schedule(new Task(ran::incrementAndGet), 20);
        timer.cancel(cancelled);
        await().atMost(Duration.ofSeconds(5)).until(() -> ran.get() == 1);
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> cancelledRan.get() == 0);
    }

    @Test
    void aPeriodicTaskThatThrowsKeepsRepeating() {
        AtomicInteger runs = new AtomicInteger();
        timer.scheduleWithFixedDelay(new Task(() -> {
            runs.incrementAndGet();
            throw new IllegalStateException("boom");
        }), 1, 5);
        await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() >= 3);
    }

    @Test
    void aTaskIsDueInTheFirstTickAtOrAfterItsTime() {
        long now = System.nanoTime();
        for (long delay = 1; delay <= 1_100; delay++) {
            long due = timer.dueNanos(timer.tickOf(now, delay));
            long asked = now + TimeUnit.MILLISECONDS.toNanos(delay);
            assertThat(due).isGreaterThanOrEqualTo(asked).isLessThan(asked + TimeUnit.MILLISECONDS.toNanos(RemovingSipTimer.TICK_MILLIS));
        }
        assertThat(timer.dueNanos(timer.tickOf(now, 0))).isLessThanOrEqualTo(now); // at once
    }

    @Test
    void noTaskRunsBeforeItsTime() {
        Map<Integer, Long> lateBy = new java.util.concurrent.ConcurrentHashMap<>();
        for (int delay = 1; delay <= 60; delay++) {
            int d = delay;
            long scheduled = System.nanoTime();
            timer.schedule(new Task(() -> lateBy.put(d, System.nanoTime() - scheduled - TimeUnit.MILLISECONDS.toNanos(d))), d);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> lateBy.size() == 60);
        assertThat(lateBy.values()).allMatch(late -> late >= 0);
    }

    @Test
    void tasksDueInOneTickWakeTheThreadOnceAndACancelledTickLeavesTheQueue() {
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            Task t = new Task(() -> {});
            timer.schedule(t, 600_000 + i % 3);
            tasks.add(t);
        }
        assertThat(timer.queued()).isEqualTo(1_000);
        assertThat(timer.ticksQueued()).as("one entry a tick, not a task").isBetween(1, 3);
        for (Task t : tasks) assertThat(timer.cancel(t)).isTrue();
        assertThat(timer.queued()).isZero();
        assertThat(timer.ticksQueued()).isZero();
    }

    @Test
    void aPeriodicTaskKeepsItsDelayAndStopsWhenItCancelsItself() {
        List<Long> runs = new java.util.concurrent.CopyOnWriteArrayList<>();
        Task[] self = new Task[1];
        self[0] = new Task(() -> {
            runs.add(System.nanoTime());
            if (runs.size() == 5) timer.cancel(self[0]); // as a transaction's timer does once it has terminated
        });
        timer.scheduleWithFixedDelay(self[0], 20, 20);
        await().atMost(Duration.ofSeconds(10)).until(() -> runs.size() == 5);
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> runs.size() == 5);
        for (int i = 1; i < runs.size(); i++) assertThat(runs.get(i) - runs.get(i - 1)).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(20));
        assertThat(timer.queued()).isZero();
        assertThat(timer.ticksQueued()).isZero();
    }

    @Test
    void theEdgesStackRunsOnIt() throws Exception {
        int port = TestUserAgent.freeUdpPort();
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("udp", port);
        try (SipEndpoint sip = SipEndpoint.open(new SipEndpoint.Spec("timer-test-" + System.nanoTime(), "127.0.0.1",
                "127.0.0.1", ports, SipStackProperties.build(new SipStackProperties.Limits(2, 16_384, 100, 100,
                        new ConnectionLimits(10, 10, Duration.ofSeconds(10), Duration.ofMinutes(1)), 65_536)), "sipstream"))) {
            assertThat(((SipStackImpl) sip.stack()).getTimer()).isInstanceOf(RemovingSipTimer.class);
        }
    }

    private static final class Task extends SIPStackTimerTask {
        private final Runnable body;
        volatile boolean cleanedUp;

        Task(Runnable body) { this.body = body; }

        @Override
        public void runTask() { body.run(); }

        @Override
        public void cleanUpBeforeCancel() { cleanedUp = true; }

        @Override
        public Object getThreadHash() { return null; }
    }
}
