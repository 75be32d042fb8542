package io.sipstream.edge.call;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.sipstream.edge.media.MediaMetrics;
import io.sipstream.edge.overload.Backlog;
import io.sipstream.edge.overload.QueueDelayShedder;
import io.sipstream.edge.overload.SetupLimiter;
import io.sipstream.edge.sip.MalformedMessages;
import io.sipstream.edge.sip.QueueDelayValve;
import io.sipstream.edge.sip.tcp.ConnectionGuard;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.ToDoubleFunction;

/**
 * The edge's call metrics: calls in progress, attempts, the wait for a verdict, rejects by status, and
 * per trunk ({@link TrunkMetrics}); and overload control: calls in set-up, their current limit, new calls refused
 * for it, by the SIP layer or for the call events' backlog, the SIP layer's queueing delay; the call events waiting
 * for the journal and for Kafka; the SIP transport: malformed messages, TCP and TLS connections. Nothing here builds a meter per call: a status' counter is made once and kept.
 */
public final class EdgeMetrics {
    private final MeterRegistry registry;
    private final Counter attempts;
    private final Timer verdictWait;
    private final AtomicLong shedForEvents = new AtomicLong();
    private final Map<Integer, Counter> rejects = new ConcurrentHashMap<>();
    private final TrunkMetrics trunks;
    private final MediaMetrics media;

    public EdgeMetrics(MeterRegistry registry, CallRegistry calls, SetupLimiter overload) {
        this.registry = registry;
        Gauge.builder("sipstream.edge.calls.in.progress", calls, CallRegistry::size)
                .description("calls the edge is handling (waiting for a verdict, ringing or answered)").register(registry);
        Gauge.builder("sipstream.edge.calls.in.setup", overload, SetupLimiter::inSetup)
                .description("new calls between their INVITE's admission and the router's verdict").register(registry);
        Gauge.builder("sipstream.edge.overload.limit", overload, SetupLimiter::limit)
                .description("how many calls may be in set-up at once now (adaptive, up to edge.overload.max.setup)").register(registry);
        // a shed INVITE is counted here only, not in sipstream.edge.call.rejects: no call was started for it
        FunctionCounter.builder("sipstream.edge.overload.shed", overload, SetupLimiter::refused).tag("layer", "setup")
                .description("new INVITEs answered 503 at once, by the layer that refused them").register(registry);
        this.attempts = Counter.builder("sipstream.edge.call.attempts").description("CallAttempts sent to the router").register(registry);
        this.verdictWait = Timer.builder("sipstream.edge.verdict.wait").description("time from CallAttempt to RoutingVerdict")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(5))
                .register(registry);
        this.trunks = new TrunkMetrics(registry);
        this.media = new MediaMetrics(registry);
    }

    /** The SIP layer's shedding: new INVITEs refused while datagrams wait for a SIP thread, and that wait now. */
    public void sipLayer(QueueDelayShedder shedder, QueueDelayValve valve) {
        FunctionCounter.builder("sipstream.edge.overload.shed", shedder, QueueDelayShedder::shedCount).tag("layer", "sip")
                .description("new INVITEs answered 503 at once, by the layer that refused them").register(registry);
        TimeGauge.builder("sipstream.edge.sip.queue.delay", valve, TimeUnit.MILLISECONDS, QueueDelayValve::queueDelayMillis)
                .description("how long the oldest UDP datagram still queued has waited for a SIP thread").register(registry);
        Gauge.builder("sipstream.edge.sip.queue.datagrams", valve, QueueDelayValve::queuedDatagrams)
                .description("UDP datagrams read and waiting for a SIP thread").register(registry);
    }

    /**
     * The SIP transport: malformed messages ({@code null}: not counted), and the TCP and TLS connections peers hold,
     * opened, were refused and were closed, by why ({@code null}: no TCP or TLS listening point).
     */
    public void sipTransport(MalformedMessages malformed, ConnectionGuard connections) {
        if (malformed != null) {
            FunctionCounter.builder("sipstream.edge.sip.malformed", malformed, MalformedMessages::count)
                    .description("SIP messages that did not parse or lacked a mandatory header (requests of them answered 400 or dropped)")
                    .register(registry);
        }
        if (connections == null) return;
        Gauge.builder("sipstream.edge.sip.connections", connections, ConnectionGuard::open)
                .description("TCP, TLS and WebSocket connections peers hold open to the edge").register(registry);
        FunctionCounter.builder("sipstream.edge.sip.connections.accepted", connections, ConnectionGuard::accepted)
                .description("TCP, TLS and WebSocket connections peers opened (those refused at once too)").register(registry);
        connectionCount("sipstream.edge.sip.connections.refused", "source", connections, ConnectionGuard::refusedForSource,
                "TCP, TLS and WebSocket connections closed as they came, by the limit they were over");
        connectionCount("sipstream.edge.sip.connections.refused", "total", connections, ConnectionGuard::refusedForTotal,
                "TCP, TLS and WebSocket connections closed as they came, by the limit they were over");
        String closed = "TCP, TLS and WebSocket connections the edge closed, by why (content_length: the edge's own connections too)";
        connectionCount("sipstream.edge.sip.connections.closed", "message_timeout", connections, ConnectionGuard::closedForMessageTimeout, closed);
        connectionCount("sipstream.edge.sip.connections.closed", "idle", connections, ConnectionGuard::closedForIdle, closed);
        connectionCount("sipstream.edge.sip.connections.closed", "content_length", connections, ConnectionGuard::closedForContentLength, closed);
    }

    private void connectionCount(String name, String reason, ConnectionGuard connections, ToDoubleFunction<ConnectionGuard> count,
                                 String description) {
        FunctionCounter.builder(name, connections, count).tag("reason", reason).description(description).register(registry);
    }

    /** The call events' way out: queued for the journal, journalled and not yet acknowledged by Kafka, new INVITEs refused for them. */
    public void callEvents(Backlog queue, IntSupplier unpublished) {
        Gauge.builder("sipstream.edge.events.queued", queue, Backlog::queued)
                .description("call events waiting for the journal (at most edge.events.queue.capacity)").register(registry);
        Gauge.builder("sipstream.edge.events.unpublished", unpublished, IntSupplier::getAsInt).strongReference(true)
                .description("call events journalled and not yet acknowledged by Kafka (a call whose events wait coalesced counts one)")
                .register(registry);
        FunctionCounter.builder("sipstream.edge.overload.shed", shedForEvents, AtomicLong::get).tag("layer", "events")
                .description("new INVITEs answered 503 at once, by the layer that refused them").register(registry);
    }

    /** A new INVITE refused 503 while the call events' queue to the journal is nearly full. */
    public void shedForEvents() { shedForEvents.incrementAndGet(); }

    public void attempt() { attempts.increment(); }

    public void verdictWait(long millis) { verdictWait.record(Duration.ofMillis(millis)); }

    /** A call refused or failed, by the SIP status the caller got. */
    public void reject(int status) {
        Counter c = rejects.get(status);
        if (c == null) {
            c = rejects.computeIfAbsent(status, s -> Counter.builder("sipstream.edge.call.rejects").tag("status", Integer.toString(s))
                    .description("calls answered with a final failure, by SIP status").register(registry));
        }
        c.increment();
    }

    /** Per trunk: attempts, answers, failures by status, call durations. */
    public TrunkMetrics trunks() { return trunks; }
    /** Anchored calls' meters. */
    public MediaMetrics media() { return media; }
}
