package io.sipstream.billing;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.balances.LiveCharge;
import io.sipstream.billing.calls.CallState;
import io.sipstream.billing.rating.RateSnapshot;
import io.sipstream.schemas.Money;
import org.junit.jupiter.api.Test;

class StateSerdeTest {

    @Test
    void shouldKeepStateExactlyThroughItsChangelogFormat() {
        CallState call = new CallState();
        call.callId = "c1";
        call.rate = new RateSnapshot("d", "44", Money.parse("0.000001"), Money.parse("12345678.9"), "USD", 30, 6);
        call.answeredAt = 42L;
        call.seenEvents.add("c1:ATTEMPT:0");
        JsonSerde<CallState> calls = new JsonSerde<>(CallState.class);
        CallState read = calls.deserializer().deserialize("t", calls.serializer().serialize("t", call));
        assertThat(read.rate).isEqualTo(call.rate);
        assertThat(read.answeredAt).isEqualTo(42L);
        assertThat(read.seenEvents).containsExactly("c1:ATTEMPT:0");

        BalanceState balance = new BalanceState();
        balance.credits = Money.parse("10.000001");
        balance.live.put("c1", new LiveCharge(Money.parse("0.1"), Money.parse("0.333333"), 200, true));
        JsonSerde<BalanceState> balances = new JsonSerde<>(BalanceState.class);
        BalanceState back = balances.deserializer().deserialize("t", balances.serializer().serialize("t", balance));
        assertThat(back.balance()).isEqualTo(Money.parse("9.666668"));
        assertThat(back.live.get("c1").billableSeconds).isEqualTo(200);
    }
}
