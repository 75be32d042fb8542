package io.sipstream.edge.call;

import static io.sipstream.edge.support.FakeRouter.route;
import static io.sipstream.edge.support.FakeRouter.trunk;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sipstream.avro.CallEventType;
import io.sipstream.edge.log.CallMdc;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.SharedEdge;
import io.sipstream.edge.support.TestUserAgent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.sip.message.Request;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * What an operator sees of calls through a real edge (real SIP peers, the broker, Redis): the per-trunk
 * meters of a failover and an answered call, auth and registration meters, and the call's id in the
 * MDC of every log line about it, whichever thread wrote it.
 */
@ExtendWith(SharedEdge.class)
class CallObservabilityTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String NUMBER = "+15557650001";
    private final SharedEdge.Shared shared;
    private final EdgeFixture edge;
    private final MeterRegistry metrics;
    private TestUserAgent phone;
    private TestUserAgent busyTrunk;
    private TestUserAgent goodTrunk;

    CallObservabilityTest(SharedEdge.Shared shared) {
        this.shared = shared;
        this.edge = shared.edge();
        this.metrics = edge.ctx.metrics();
    }

    @BeforeEach
    void peers() throws Exception {
        phone = TestUserAgent.start("phone");
        busyTrunk = TestUserAgent.start("obs-busy").onInvite(c -> c.respond(503));
        goodTrunk = TestUserAgent.start("obs-good");
        edge.publishTrunk(EdgeFixture.trunk("obs-503", busyTrunk.port()).build());
        edge.publishTrunk(EdgeFixture.trunk("obs-200", goodTrunk.port()).build());
        shared.router().clear();
        shared.router().policy(a -> route(a,
                trunk("obs-503", "sip:" + NUMBER + "@127.0.0.1:" + busyTrunk.port(), "+15551230001"),
                trunk("obs-200", "sip:" + NUMBER + "@127.0.0.1:" + goodTrunk.port(), "+15551230001")).build());
    }

    @AfterEach
    void close() {
        phone.close();
        busyTrunk.close();
        goodTrunk.close();
    }

    @Test
    void shouldCountAttemptsAnswersFailuresAndDurationPerTrunkWithoutNumbersOrAccounts() throws Exception {
        edge.account("obs-alice", "secret-obs", true);
        double challenges = counter("sipstream.edge.auth.challenges");
        double forbidden = counter("sipstream.edge.auth.failures", "kind", "forbidden");
        double registered = counter("sipstream.edge.registrations", "outcome", "registered");
        double busyAttempts = count("sipstream.edge.trunk.attempts", "obs-503");
        double busyFailures = busyFailures();
        double busyAnswers = count("sipstream.edge.trunk.answers", "obs-503");
        double goodAttempts = count("sipstream.edge.trunk.attempts", "obs-200");
        double goodAnswers = count("sipstream.edge.trunk.answers", "obs-200");
        Timer before = duration();
        long durations = before == null ? 0 : before.count();
        double talked = before == null ? 0 : before.totalTime(TimeUnit.MILLISECONDS);

        // Given a call that fails over from a trunk answering 503 to one that answers
        var call = phone.call(edge.uri(NUMBER), "obs-alice", "secret-obs");
        assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
        Thread.sleep(300); // some talk time
        call.bye();
        assertThat(goodTrunk.receivedWithin(Request.BYE, null, WAIT)).isTrue();
        shared.events().await(call.callId(), CallEventType.ENDED, WAIT);
        // and a wrong password, and a registration
        assertThat(phone.call(edge.uri(NUMBER), "obs-alice", "wrong").awaitFinal(WAIT).getStatusCode()).isEqualTo(403);
        assertThat(phone.register(edge.uri("obs-alice"), "obs-alice", "secret-obs", 120,
                "sip:obs-alice@127.0.0.1:" + phone.port()).getStatusCode()).isEqualTo(200);

        // Then each trunk has its own attempts and outcome
        // (meters a SIP thread counts as it answers: a loaded machine may run the test first)
        Awaitility.await().atMost(WAIT).untilAsserted(() -> {
            assertThat(count("sipstream.edge.trunk.attempts", "obs-503") - busyAttempts).isEqualTo(1);
            assertThat(busyFailures() - busyFailures).isEqualTo(1);
            assertThat(count("sipstream.edge.trunk.answers", "obs-503") - busyAnswers).isZero();
            assertThat(count("sipstream.edge.trunk.attempts", "obs-200") - goodAttempts).isEqualTo(1);
            assertThat(count("sipstream.edge.trunk.answers", "obs-200") - goodAnswers).isEqualTo(1);
            assertThat(duration().count() - durations).isEqualTo(1);
            assertThat(duration().totalTime(TimeUnit.MILLISECONDS) - talked).isGreaterThanOrEqualTo(300);
            assertThat(counter("sipstream.edge.auth.challenges") - challenges).as("the call's, the wrong one's, the REGISTER's")
                    .isGreaterThanOrEqualTo(3);
            assertThat(counter("sipstream.edge.auth.failures", "kind", "forbidden") - forbidden).isEqualTo(1);
            assertThat(counter("sipstream.edge.registrations", "outcome", "registered") - registered).isEqualTo(1);
        });

        // and what Prometheus scrapes names no number and no account
        String scrape = ((PrometheusMeterRegistry) metrics).scrape();
        assertThat(scrape).contains("sipstream_edge_trunk_attempts_total{direction=\"outbound\",trunk=\"obs-503\"}",
                "sipstream_edge_trunk_failures_total{direction=\"outbound\",status=\"503\",trunk=\"obs-503\"}",
                "sipstream_edge_call_duration_seconds_bucket{direction=\"outbound\",trunk=\"obs-200\",le=\"5.0\"}",
                "sipstream_edge_auth_banned_sources", "sipstream_edge_sip_dropped_total", "kafka_producer_");
        assertThat(scrape).doesNotContain("5557650001", "obs-alice");
    }

    @Test
    void shouldPutTheCallsIdInTheMdcOfEveryLogLineAboutTheCall() throws Exception {
        edge.account("obs-bob", "secret-bob", true);
        List<ILoggingEvent> lines = capture(() -> {
            var call = phone.call(edge.uri(NUMBER), "obs-bob", "secret-bob");
            assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(200);
            call.bye();
            shared.events().await(call.callId(), CallEventType.ENDED, WAIT);
            return shared.router().awaitAttempt(call.callId(), WAIT).getCallId();
        });
        String callId = lastCallId;

        List<ILoggingEvent> aboutIt = lines.stream().filter(e -> e.getFormattedMessage().contains(callId)).toList();
        assertThat(aboutIt).as("the call's own lines (verdict, end)").hasSizeGreaterThanOrEqualTo(2);
        assertThat(aboutIt).allSatisfy(e -> assertThat(e.getMDCPropertyMap()).as(e.getFormattedMessage())
                .containsEntry(CallMdc.KEY, callId));
        List<String> threads = lines.stream().filter(e -> callId.equals(e.getMDCPropertyMap().get(CallMdc.KEY)))
                .map(ILoggingEvent::getThreadName).distinct().toList();
        assertThat(threads).as("the verdict follower's and a SIP thread's lines").hasSizeGreaterThanOrEqualTo(2)
                .anyMatch(t -> t.endsWith("-verdicts"));
    }

    @Test
    void shouldTagALineWrittenOnATimerWithTheCallThatSetIt() throws Exception {
        edge.account("obs-carol", "secret-carol", true);
        shared.router().policy(a -> null); // no verdict: the call's timer answers 503
        List<ILoggingEvent> lines = capture(() -> {
            var call = phone.call(edge.uri(NUMBER), "obs-carol", "secret-carol");
            assertThat(call.awaitFinal(WAIT).getStatusCode()).isEqualTo(503);
            return shared.router().awaitAttempt(call.callId(), WAIT).getCallId();
        });
        String callId = lastCallId;

        ILoggingEvent timeout = lines.stream().filter(e -> e.getFormattedMessage().contains("no routing verdict")
                && e.getFormattedMessage().contains(callId)).findFirst().orElseThrow();
        assertThat(timeout.getThreadName()).startsWith("edge-timer-");
        assertThat(timeout.getMDCPropertyMap()).containsEntry(CallMdc.KEY, callId);
    }

    private String lastCallId;

    /** The log lines of every logger while {@code action} runs; the action returns the edge's id of its call. */
    private List<ILoggingEvent> capture(java.util.concurrent.Callable<String> action) throws Exception {
        ListAppender<ILoggingEvent> appender = new ListAppender<>() {
            @Override
            protected void append(ILoggingEvent event) {
                event.prepareForDeferredProcessing(); // the MDC of the thread that logged, not the reader's
                super.append(event);
            }
        };
        appender.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(appender);
        try {
            lastCallId = action.call();
            Awaitility.await().atMost(WAIT).until(() -> edge.edge.callsInProgress() == 0);
        } finally {
            root.detachAppender(appender);
        }
        synchronized (appender) {
            return new ArrayList<>(appender.list);
        }
    }

    private double busyFailures() {
        return counter("sipstream.edge.trunk.failures", "trunk", "obs-503", "direction", "outbound", "status", "503");
    }

    private double count(String meter, String trunkId) {
        return counter(meter, "trunk", trunkId, "direction", "outbound");
    }

    /** A counter's count, 0 before it exists; found, never made here (a meter made by a test could differ from the edge's). */
    private double counter(String meter, String... tags) {
        Counter c = metrics.find(meter).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private Timer duration() {
        return metrics.find("sipstream.edge.call.duration").tags("trunk", "obs-200", "direction", "outbound").timer();
    }
}
