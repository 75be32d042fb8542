package io.sipstream.edge.bus;

import io.sipstream.avro.RoutingVerdict;
import io.sipstream.edge.call.B2buaCall;
import io.sipstream.edge.call.CallRegistry;
import io.sipstream.edge.log.CallMdc;
import io.sipstream.platform.kafka.KafkaSettings;
import io.sipstream.schemas.Topics;
import java.time.Duration;
import java.util.List;

/**
 * Reads this edge's partition of call.verdicts (assigned, not subscribed; from its end at start,
 * since verdicts for calls of an earlier run have no call to go to) and continues each call on
 * this thread. A verdict for a call the edge no longer has is ignored.
 */
final class VerdictConsumer implements AutoCloseable {
    private final TopicFollower<RoutingVerdict> follower;

    VerdictConsumer(KafkaSettings kafka, int partition, String clientId, CallRegistry calls) {
        this.follower = new TopicFollower<>(clientId, kafka, Topics.CALL_VERDICTS, List.of(partition),
                TopicFollower.StartAt.END, (key, verdict) -> {
                    if (verdict == null) return;
                    B2buaCall call = calls.get(verdict.getCallId());
                    if (call == null) return;
                    CallMdc.put(call.callId());
                    try {
                        call.onVerdict(verdict);
                    } finally {
                        CallMdc.clear();
                    }
                });
    }

    VerdictConsumer start() throws InterruptedException {
        follower.start(Duration.ofSeconds(30));
        return this;
    }

    boolean healthy() { return follower.healthy(); }

    TopicFollower<RoutingVerdict> follower() { return follower; }

    @Override
    public void close() { follower.close(); }
}
