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
