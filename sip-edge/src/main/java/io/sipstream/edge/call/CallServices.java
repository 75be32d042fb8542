package io.sipstream.edge.call;

import io.sipstream.edge.events.CallEventSink;
import io.sipstream.edge.overload.SetupLimiter;
import io.sipstream.edge.registrar.Bindings;
import io.sipstream.edge.sip.SipEndpoint;
import io.sipstream.edge.sip.SipResponder;
import io.sipstream.edge.trunk.TrunkCredentialStore;
import io.sipstream.edge.trunk.TrunkDirectory;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every call works with. {@code io} runs what may block (Redis) off the SIP threads;
 * {@code timers} runs the calls' deadlines; {@code overload} admits new calls into set-up.
 */
public record CallServices(SipEndpoint sip, SipResponder responder, CallRegistry registry, AccountBlocks blocks,
                           CallEventSink events, ScheduledExecutorService timers, Executor io, TrunkDirectory trunks,
                           TrunkCredentialStore trunkCredentials, Bindings bindings, AttemptSink attempts,
                           EdgeMetrics metrics, SetupLimiter overload, Settings settings) {
    private static final Logger log = LoggerFactory.getLogger(CallServices.class);

    /**
     * The call settings of the edge's config. {@code maxCallDuration}: the edge's own limit on an
     * answered call (zero: none), applied when the verdict gives none, the smaller when both do.
     * {@code progressEvents}: ATTEMPT and RINGING for every call ({@link CallReport}).
     */
    public record Settings(String edgeId, int replyPartition, Duration verdictTimeout, Duration targetTimeout,
                           Duration interimInterval, int retryAfterSeconds, int maxRedirects, Duration maxCallDuration,
                           boolean progressEvents) {}

    /** Runs a task after a delay; an exception is logged, never lost silently. */
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
