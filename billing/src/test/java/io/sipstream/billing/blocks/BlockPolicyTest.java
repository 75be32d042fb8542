package io.sipstream.billing.blocks;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.Account;
import io.sipstream.avro.BlockDecision;
import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.balances.LiveCharge;
import io.sipstream.schemas.Money;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BlockPolicyTest {
    private static final Instant NOW = Instant.parse("2025-03-10T12:00:00Z");

    private static Account.Builder account() { return Account.newBuilder().setAccountId("acme").setSipUsername("acme").setSipDomain("d"); }

    @Test
    void shouldBlockAPrepaidAccountWithoutBalanceAndAPostpaidOneAtItsCreditLimit() {
        BalanceState state = new BalanceState();
        BlockDecision prepaid = BlockPolicy.decide("acme", account().setPrepaid(true).build(), state, NOW);
        assertThat(prepaid.getBlocked()).isTrue();
        assertThat(prepaid.getReason()).isEqualTo("prepaid balance spent: 0.000000 USD");
        assertThat(prepaid.getSipStatus()).isEqualTo(402);

        state.charged = Money.parse("2.99");
        Account limited = account().setCreditLimit(Money.parse("3.00")).build();
        assertThat(BlockPolicy.decide("acme", limited, state, NOW).getBlocked()).isFalse();
        state.charged = Money.parse("3.00");
        assertThat(BlockPolicy.decide("acme", limited, state, NOW).getReason()).startsWith("credit limit of 3.000000 USD reached");
    }

    @Test
    void shouldCountLiveOutboundMinutesAgainstTheAllowanceOfThisMonthOnly() {
        BalanceState state = new BalanceState();
        state.allowanceMonth = "2025-02";
        state.allowanceSeconds = 600; // last month's
        state.live.put("c1", new LiveCharge(Money.ZERO, Money.ZERO, 120, true));
        state.live.put("in", new LiveCharge(Money.ZERO, Money.ZERO, 600, false));

        BlockDecision decision = BlockPolicy.decide("acme", account().setMonthlyMinutes(3).build(), state, NOW);
        assertThat(decision.getMinutesLeft()).isEqualTo(1L);
        assertThat(decision.getBlocked()).isFalse();
        assertThat(decision.getLiveCalls()).isEqualTo(2);
    }

    @Test
    void shouldPublishADecisionOnlyWhenWhatItSaysChanged() {
        BalanceState state = new BalanceState();
        Account prepaid = account().setPrepaid(true).build();

        assertThat(BlockPolicy.changed("acme", prepaid, state, NOW)).get().extracting(BlockDecision::getBlocked).isEqualTo(true);
        assertThat(state.lastDecision).isNotNull();
        assertThat(BlockPolicy.changed("acme", prepaid, state, NOW.plusSeconds(60))).as("only the time differs").isEmpty();

        state.credits = Money.parse("5");
        assertThat(BlockPolicy.changed("acme", prepaid, state, NOW)).get().extracting(BlockDecision::getBlocked).isEqualTo(false);
        state.lastDecision = null; // the account was deleted: its decision goes out again
        assertThat(BlockPolicy.changed("acme", prepaid, state, NOW)).isPresent();
    }

    @Test
    void shouldTellOnceWhenTheMonthTurned() {
        MonthlyReset reset = new MonthlyReset(Instant.parse("2025-03-31T23:59:00Z").toEpochMilli());
        assertThat(reset.turned(Instant.parse("2025-03-31T23:59:59Z").toEpochMilli())).isFalse();
        assertThat(reset.turned(Instant.parse("2025-04-01T00:00:00Z").toEpochMilli())).isTrue();
        assertThat(reset.turned(Instant.parse("2025-04-01T00:00:10Z").toEpochMilli())).isFalse();
    }
}
