package io.sipstream.edge.call;

import io.sipstream.avro.CallAttempt;
import io.sipstream.edge.overload.SetupLimiter;
import java.time.Duration;

/**
 * How calls ask the router: a CallAttempt through the bus ({@code attempts}), whose id the
 * {@code registry} knows as the call's, so that its verdict finds the call; no verdict within
 * {@code verdictTimeout} is an answer too ({@link RouterQuestion}).
 */
public record RouterClient(AttemptSink attempts, CallRegistry registry, EdgeMetrics metrics, CallScheduler scheduler,
                           Duration verdictTimeout) {

    /** {@code admission}: the caller's INVITE's place in set-up, ended with the answer; may be null. */
    RouterQuestion ask(B2buaCall call, CallAttempt attempt, SetupLimiter.Admission admission, RouterQuestion.Answer answer) {
        return RouterQuestion.ask(call, this, attempt, admission, answer);
    }
}
