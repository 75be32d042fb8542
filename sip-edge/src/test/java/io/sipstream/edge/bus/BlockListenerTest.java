package io.sipstream.edge.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.BlockDecision;
import io.sipstream.edge.call.AccountBlocks;
import io.sipstream.edge.call.CallRegistry;
import java.math.BigDecimal;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A block decision read from billing.blocks, as the call code sees it (the topic itself: OutboundCallTest's billing block). */
class BlockListenerTest {
    private static BlockDecision decision(boolean blocked, int sipStatus, String reason) {
        return BlockDecision.newBuilder().setAccountId("acc").setBlocked(blocked).setSipStatus(sipStatus).setReason(reason)
                .setBalance(BigDecimal.ZERO.setScale(6)).setCurrency("USD").setDecidedAt(Instant.ofEpochMilli(1_000)).build();
    }

    @Test
    void shouldBlockWithBillingsStatusAndReasonUntilUnblockedOrRemoved() {
        BlockedAccounts blocks = new BlockedAccounts();
        CallRegistry calls = new CallRegistry();

        BlockListener.apply("acc", decision(true, 403, "credit limit reached"), blocks, calls);
        assertThat(blocks.blockOf("acc")).isEqualTo(new AccountBlocks.Block(403, "credit limit reached"));
        assertThat(blocks.blockOf("other")).isNull();

        BlockListener.apply("acc", decision(false, 402, ""), blocks, calls);
        assertThat(blocks.blockOf("acc")).isNull();

        BlockListener.apply("acc", decision(true, 402, ""), blocks, calls);
        BlockListener.apply("acc", null, blocks, calls); // a tombstone: billing forgot the account
        assertThat(blocks.blockOf("acc")).isNull();
    }

    @Test
    void shouldRefuseWith402WhenBillingsStatusIsNoFailureAndSayWhyWhenItGaveNoReason() {
        BlockedAccounts blocks = new BlockedAccounts();
        BlockListener.apply("acc", decision(true, 200, ""), blocks, new CallRegistry());
        assertThat(blocks.blockOf("acc")).isEqualTo(new AccountBlocks.Block(402, "account blocked by billing"));
        assertThat(blocks.blockOf(null)).isNull();
        BlockListener.apply(null, decision(true, 403, "x"), blocks, new CallRegistry()); // a record without a key changes nothing
        assertThat(blocks.blockOf("acc")).isEqualTo(new AccountBlocks.Block(402, "account blocked by billing"));
    }
}
