package io.sipstream.localstack;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Stopping the stack's child processes (redis-server, rtpengine) one way. */
final class ChildProcesses {
    private static final Logger log = LoggerFactory.getLogger(ChildProcesses.class);

    /** SIGTERM first, so that it can finish cleanly; killed only when it has not exited within {@code timeout}. */
    static void stop(Process process, Duration timeout, String name) {
        process.destroy();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("{} (pid {}) did not stop within {}, killing it", name, process.pid(), timeout);
                process.destroyForcibly().waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private ChildProcesses() {}
}
