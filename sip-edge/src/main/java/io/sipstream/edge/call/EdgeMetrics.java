package io.sipstream.edge.call;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/** The edge's call metrics: calls in progress, attempts, the wait for a verdict, rejects by status. */
public final class EdgeMetrics {
    private final MeterRegistry registry;
    private final Counter attempts;
    private final Timer verdictWait;

    public EdgeMetrics(MeterRegistry registry, CallRegistry calls) {
        this.registry = registry;
        Gauge.builder("sipstream.edge.calls.in.progress", calls, CallRegistry::size)
                .description("calls the edge is handling (waiting for a verdict, ringing or answered)").register(registry);
        this.attempts = Counter.builder("sipstream.edge.call.attempts").description("CallAttempts sent to the router").register(registry);
        this.verdictWait = Timer.builder("sipstream.edge.verdict.wait").description("time from CallAttempt to RoutingVerdict")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(5))
                .register(registry);
    }

    public void attempt() { attempts.increment(); }

    public void verdictWait(long millis) { verdictWait.record(Duration.ofMillis(millis)); }

    /** A call refused or failed, by the SIP status the caller got. */
    public void reject(int status) {
        Counter.builder("sipstream.edge.call.rejects").tag("status", Integer.toString(status))
                .description("calls answered with a final failure, by SIP status").register(registry).increment();
    }
}
