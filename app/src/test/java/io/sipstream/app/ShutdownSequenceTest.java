package io.sipstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The launcher's one ordered shutdown: the last started stops first, each after the one before has finished. */
class ShutdownSequenceTest {
    private final List<String> events = new CopyOnWriteArrayList<>();

    @Test
    void shouldStopTheServicesBeforeTheStackTheyRunOn() {
        ShutdownSequence sequence = new ShutdownSequence();
        sequence.add("stack", closing("stack", 0));
        sequence.add("services", closing("services", 200)); // a slow close: the stack still waits for it

        sequence.stop();

        assertThat(events).containsExactly("services stopping", "services stopped", "stack stopping", "stack stopped");
        assertThat(sequence.stopped()).containsExactly("services", "stack");
    }

    @Test
    void shouldRunOnceWhenTheHookAndAFailedStartBothStopIt() throws Exception {
        ShutdownSequence sequence = new ShutdownSequence();
        sequence.add("stack", closing("stack", 0));
        sequence.add("services", closing("services", 300));

        Thread hook = sequence.hook();
        hook.start();
        Thread.sleep(50); // the hook is closing the services
        sequence.stop();
        hook.join(5000);

        assertThat(events).containsExactly("services stopping", "services stopped", "stack stopping", "stack stopped");
    }

    @Test
    void shouldStillStopTheStackWhenAServiceFailsToStop() {
        ShutdownSequence sequence = new ShutdownSequence();
        sequence.add("stack", closing("stack", 0));
        sequence.add("services", () -> {
            throw new IllegalStateException("broken");
        });

        sequence.stop();

        assertThat(events).containsExactly("stack stopping", "stack stopped");
        assertThat(sequence.stopped()).containsExactly("services", "stack");
    }

    @Test
    void shouldStopAtOnceWhatStartsAfterTheSequenceRan() throws Exception {
        ShutdownSequence sequence = new ShutdownSequence();
        CountDownLatch done = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            try {
                sequence.awaitStopped();
                done.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        waiter.start();

        sequence.stop();
        sequence.add("late", closing("late", 0));

        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(events).containsExactly("late stopping", "late stopped");
    }

    private AutoCloseable closing(String name, long millis) {
        return () -> {
            events.add(name + " stopping");
            Thread.sleep(millis);
            events.add(name + " stopped");
        };
    }
}
