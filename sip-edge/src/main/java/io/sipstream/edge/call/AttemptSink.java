package io.sipstream.edge.call;

import io.sipstream.avro.CallAttempt;
import java.util.function.Consumer;

/** Where the edge asks the router about calls; must not block. Failures go to the callback. */
@FunctionalInterface
public interface AttemptSink {
    void publish(CallAttempt attempt, Consumer<Exception> onFailure);
}
