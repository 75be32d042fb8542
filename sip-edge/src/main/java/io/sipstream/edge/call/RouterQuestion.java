package io.sipstream.edge.call;

import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.edge.overload.SetupLimiter;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One question to the router: a CallAttempt published, then either its verdict or, within the
 * verdict timeout, none (the attempt was not delivered, or no router answered). Whoever asked
 * hears exactly one of the two. A call asks once, again for a redirect; a transfer asks for its
 * target. Runs under the call's lock; the timer and the producer's callback take it.
 *
 * <p>The caller's first question carries the INVITE's admission into set-up: its verdict, timeout
 * or closing ends it, and tells the {@link SetupLimiter} how long set-up took.
 */
final class RouterQuestion {
    private static final Logger log = LoggerFactory.getLogger(RouterQuestion.class);

    /** What the asker hears. */
    interface Answer {
        void onVerdict(RoutingVerdict verdict);

        /** No verdict: the router is unreachable or did not answer in time. */
        void onNoVerdict(String reason);
    }

    private final B2buaCall call;
    private final RouterClient router;
    private final CallAttempt attempt;
    private final Answer answer;
    private final SetupLimiter.Admission admission;
    private final long sentAt = System.currentTimeMillis();
    private ScheduledFuture<?> timer;
    private boolean open = true;

    private RouterQuestion(B2buaCall call, RouterClient router, CallAttempt attempt, SetupLimiter.Admission admission, Answer answer) {
        this.call = call;
        this.router = router;
        this.attempt = attempt;
        this.admission = admission;
        this.answer = answer;
    }

    /**
     * Publishes the attempt (its id an alias of the call, so the verdict finds it) and starts the verdict
     * timeout. {@code admission}: the caller's INVITE's place in set-up, ended with the answer; may be null.
     */
    static RouterQuestion ask(B2buaCall call, RouterClient router, CallAttempt attempt, SetupLimiter.Admission admission, Answer answer) {
        RouterQuestion q = new RouterQuestion(call, router, attempt, admission, answer);
        if (!attempt.getCallId().equals(call.callId())) router.registry().alias(attempt.getCallId(), call);
        router.metrics().attempt();
        q.timer = router.scheduler().after(router.verdictTimeout(), q::timedOut);
        router.attempts().publish(attempt, q::undelivered);
        return q;
    }

    /** Whether this verdict is the answer still awaited. */
    boolean answeredBy(RoutingVerdict v) { return open && v.getCallId().equals(attempt.getCallId()); }

    void verdict(RoutingVerdict v) {
        if (!answeredBy(v)) return;
        if (admission != null) admission.answered(System.nanoTime());
        close();
        router.metrics().verdictWait(System.currentTimeMillis() - sentAt);
        answer.onVerdict(v);
    }

    /** The asker no longer cares (the call ended). */
    void close() {
        open = false;
        if (timer != null) timer.cancel(false);
        if (admission != null) admission.release(); // no-op once the verdict or the timeout has ended it
    }

    private void timedOut() {
        synchronized (call) {
            if (!open) return;
            if (admission != null) admission.timedOut(System.nanoTime());
            close();
            log.warn("call {}: no routing verdict for {} within {}", call.callId(), attempt.getCallId(), router.verdictTimeout());
            answer.onNoVerdict("no routing decision in time");
        }
    }

    private void undelivered(Exception e) {
        synchronized (call) {
            if (!open) return;
            if (admission != null) admission.timedOut(System.nanoTime());
            close();
            log.error("call {}: CallAttempt {} not delivered: {}", call.callId(), attempt.getCallId(), e.toString());
            answer.onNoVerdict("router unreachable");
        }
    }
}
