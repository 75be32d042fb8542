package io.sipstream.edge.bus;

import io.sipstream.avro.BlockDecision;
import io.sipstream.edge.call.B2buaCall;
import io.sipstream.edge.call.CallRegistry;
import io.sipstream.edge.log.CallMdc;
import io.sipstream.platform.kafka.KafkaSettings;
import io.sipstream.schemas.Topics;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Billing's block decisions (compacted billing.blocks, read whole): a blocked account's new calls
 * are refused at once, and its live calls that it pays for are ended on both legs (calls it
 * receives go on: {@code B2buaCall#onBlocked}).
 */
final class BlockListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BlockListener.class);
    private final TopicFollower<BlockDecision> follower;

    BlockListener(KafkaSettings kafka, String clientId, BlockedAccounts blocks, CallRegistry calls) {
        this.follower = new TopicFollower<>(clientId, kafka, Topics.BILLING_BLOCKS, null, TopicFollower.StartAt.BEGINNING,
                (accountId, decision) -> apply(accountId, decision, blocks, calls));
    }

    static void apply(String accountId, BlockDecision decision, BlockedAccounts blocks, CallRegistry calls) {
        if (accountId == null) return;
        if (decision == null || !decision.getBlocked()) {
            blocks.unblock(accountId);
            return;
        }
        String reason = decision.getReason().isBlank() ? "account blocked by billing" : decision.getReason();
        blocks.block(accountId, decision.getSipStatus(), reason);
        int status = blocks.blockOf(accountId).sipStatus(); // billing's status when it is a failure, else 402
        for (B2buaCall call : calls.ofAccount(accountId)) {
            CallMdc.run(call.callId(), () -> {
                log.info("account {} blocked, call {}: {}", accountId, call.callId(), reason);
                call.onBlocked(status, reason);
            });
        }
    }

    BlockListener start(Duration catchUp) throws InterruptedException {
        follower.start(catchUp);
        return this;
    }

    boolean healthy() { return follower.healthy(); }

    TopicFollower<BlockDecision> follower() { return follower; }

    @Override
    public void close() { follower.close(); }
}
