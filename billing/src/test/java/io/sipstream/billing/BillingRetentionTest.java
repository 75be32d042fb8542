package io.sipstream.billing;

import static io.sipstream.billing.BillingDriver.T0;
import static io.sipstream.billing.BillingDriver.money;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallEventType;
import io.sipstream.avro.HangupParty;
import io.sipstream.avro.RatedCdr;
import io.sipstream.avro.Usage;
import io.sipstream.billing.balances.CreditReceipt;
import io.sipstream.billing.calls.CallState;
import io.sipstream.billing.cdrs.CdrKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The stores forget by age and count (wall clock advanced), and late events of forgotten calls are not billed again. */
class BillingRetentionTest {
    private BillingDriver billing;

    @AfterEach
    void stop() {
        if (billing != null) billing.close();
    }

    private void start(Map<String, String> settings) {
        billing = new BillingDriver(settings);
        billing.rate("default", "1", "0.60", 60, 60);
    }

    @Test
    void shouldForgetCdrsPastTheirRetentionWithTombstonesOnTheChangelog() {
        start(Map.of("billing.cdr.store.retention", "2h"));
        billing.call("acme", "c1", "+15551234567").talk(60_000);
        String key = CdrKeys.key("acme", T0.plusSeconds(65), "c1");
        KeyValueStore<String, RatedCdr> cdrs = billing.store(StoreNames.CDRS);
        assertThat(cdrs.get(key)).isNotNull();
        assertThat(billing.balances().get("acme").storedCdrs).isEqualTo(1);

        billing.advance(Duration.ofMinutes(110));
        assertThat(cdrs.get(key)).as("within the retention").isNotNull();
        assertThat(billing.tombstones(StoreNames.CDRS)).isEmpty();

        billing.advance(Duration.ofMinutes(15));
        assertThat(cdrs.get(key)).isNull();
        assertThat(billing.tombstones(StoreNames.CDRS)).containsExactly(key);
        assertThat(billing.tombstones(StoreNames.EXPIRY)).anySatisfy(k -> assertThat(k).startsWith("cdrs|").endsWith(key));
        assertThat(billing.balances().get("acme").storedCdrs).isZero();
        assertThat(billing.balances().get("acme").cdrCount).as("CDRs rated ever").isEqualTo(1);
        assertThat(billing.cdrs()).as("billing.cdrs keeps it").hasSize(1);
        assertThat(billing.balance("acme")).as("forgetting a CDR refunds nothing").isEqualTo(money("-0.60"));
    }

    @Test
    void shouldKeepAtMostTheCapOfCdrsPerAccountDroppingTheOldest() {
        start(Map.of("billing.cdr.store.max.per.account", "3"));
        for (int i = 1; i <= 5; i++) billing.call("acme", "c" + i, "+15551234567").talk(i * 10_000L); // c5 ends last
        billing.call("other", "o1", "+15551234567").talk(10_000);

        assertThat(storedCallIds("acme")).containsExactly("c5", "c4", "c3");
        assertThat(storedCallIds("other")).containsExactly("o1");
        assertThat(billing.balances().get("acme").storedCdrs).isEqualTo(3);
        assertThat(billing.tombstones(StoreNames.CDRS))
                .containsExactly(CdrKeys.key("acme", T0.plusSeconds(15), "c1"), CdrKeys.key("acme", T0.plusSeconds(25), "c2"));
        assertThat(billing.tombstones(StoreNames.EXPIRY)).hasSize(2); // their index entries go with them
    }

    @Test
    void shouldPurgeInBoundedBatchesPerPunctuation() {
        start(Map.of("billing.cdr.store.retention", "1h", "billing.purge.batch", "2"));
        for (int i = 1; i <= 5; i++) billing.call("acme", "c" + i, "+15551234567").talk(i * 10_000L);
        assertThat(storedCallIds("acme")).hasSize(5);

        billing.advance(Duration.ofHours(2)); // one punctuation
        assertThat(storedCallIds("acme")).as("the two oldest first").containsExactly("c5", "c4", "c3");
        billing.advance(Duration.ofSeconds(10));
        assertThat(storedCallIds("acme")).containsExactly("c5");
        billing.advance(Duration.ofSeconds(10));
        assertThat(storedCallIds("acme")).isEmpty();
        assertThat(billing.tombstones(StoreNames.CDRS)).hasSize(5);
        assertThat(billing.balances().get("acme").storedCdrs).isZero();
    }

    @Test
    void shouldForgetHourAndDayWindowsByTheirRetentionAndKeepMonthsForever() {
        start(Map.of("billing.usage.hour.retention", "1h", "billing.usage.day.retention", "3h"));
        billing.call("acme", "c1", "+15551234567").talk(60_000);
        String hour = "acme|HOUR|2025-03-10T12:00:00Z";
        String day = "acme|DAY|2025-03-10T00:00:00Z";
        String month = "acme|MONTH|2025-03-01T00:00:00Z";
        KeyValueStore<String, Usage> usage = billing.store(StoreNames.USAGE);
        assertThat(usage.get(hour)).isNotNull();
        billing.usage();

        billing.advance(Duration.ofMinutes(110)); // 13:50: the hour ended at 13:00, kept 1h
        assertThat(usage.get(hour)).isNotNull();
        billing.advance(Duration.ofMinutes(20)); // 14:10
        assertThat(usage.get(hour)).isNull();
        assertThat(usage.get(day)).isNotNull();
        assertThat(billing.tombstones(StoreNames.USAGE)).containsExactly(hour);

        // a late call of the forgotten hour must not overwrite the hour's sum on billing.usage with itself alone
        var late = billing.call("acme", "late", "+15551234567");
        billing.send(late.attempt());
        billing.send(late.ended(0, 487, HangupParty.CALLER));
        Map<String, Usage> published = billing.usage();
        assertThat(published).doesNotContainKey(hour);
        assertThat(published.get(day).getCalls()).isEqualTo(2);
        assertThat(usage.get(hour)).isNull();

        billing.advance(Duration.ofHours(14)); // next day 04:10: the day ended at 00:00, kept 3h
        assertThat(usage.get(day)).isNull();
        assertThat(usage.get(month)).as("months are kept forever by default").isNotNull();
        assertThat(usage.get(month).getCalls()).isEqualTo(2);
        assertThat(billing.tombstones(StoreNames.USAGE)).containsExactly(hour, day);
    }

    @Test
    void shouldForgetCreditKeysAfterTheirRetentionSoThatAReusedKeyIsAppliedAgain() {
        start(Map.of("billing.credit.key.retention", "1h"));
        billing.credit("acme", "10.00", "USD", "topup-1");
        billing.credit("acme", "10.00", "USD", "topup-1");
        assertThat(billing.balance("acme")).isEqualTo(money("10.00"));
        KeyValueStore<String, CreditReceipt> receipts = billing.store(StoreNames.CREDIT_RECEIPTS);
        assertThat(receipts.get("acme|topup-1")).isNotNull();

        billing.advance(Duration.ofMinutes(50));
        billing.credit("acme", "10.00", "USD", "topup-1");
        assertThat(billing.balance("acme")).as("within the retention a repeat is ignored").isEqualTo(money("10.00"));

        billing.advance(Duration.ofMinutes(20));
        assertThat(receipts.get("acme|topup-1")).isNull();
        assertThat(billing.tombstones(StoreNames.CREDIT_RECEIPTS)).containsExactly("acme|topup-1");
        billing.credit("acme", "10.00", "USD", "topup-1");
        assertThat(billing.balance("acme")).as("past the retention the key is new again").isEqualTo(money("20.00"));
    }

    @Test
    void shouldForgetAFinishedCallWithoutARecordForIt() {
        start(Map.of("billing.closed.call.retention", "30m"));
        billing.call("acme", "c1", "+15551234567").talk(60_000);
        billing.changelog(StoreNames.EXPIRY);
        billing.changelog(StoreNames.ENDED_CALLS);
        int closed = billing.changelog(StoreNames.CLOSED_CALLS).size();
        billing.advance(Duration.ofMinutes(40));
        assertThat(billing.remembersFinished("acme", "c1")).isFalse();
        // before the window store: a tombstone of ended-calls and one of its expiry index entry
        assertThat(billing.tombstones(StoreNames.EXPIRY)).noneSatisfy(k -> assertThat(k).startsWith("ended-calls|"));
        assertThat(billing.tombstones(StoreNames.ENDED_CALLS)).isEmpty();
        assertThat(billing.changelog(StoreNames.CLOSED_CALLS)).hasSize(closed);
    }

    @Test
    void shouldDeadLetterALateEventOfAForgottenCallInsteadOfBillingItAgain() {
        start(Map.of("billing.closed.call.retention", "30m"));
        var call = billing.call("acme", "old", "+15551234567");
        billing.send(call.attempt());
        billing.send(call.answered(5));
        var interim = call.interim(1, 30_000);
        var ended = call.ended(60_000, 200, HangupParty.CALLER);
        billing.send(ended);

        billing.advance(Duration.ofMinutes(20));
        billing.send(ended); // remembered: ignored without a word
        assertThat(billing.deadLetters()).isEmpty();

        billing.advance(Duration.ofMinutes(20)); // forgotten
        assertThat(billing.remembersFinished("acme", "old")).isFalse();
        billing.send(interim);
        billing.send(ended);
        assertThat(billing.deadLetters()).hasSize(2).allSatisfy(letter -> assertThat(letter.getReason())
                .contains("of call old of acme").contains("billing.closed.call.retention (PT30M)")
                .contains("started at " + T0));
        assertThat(billing.deadLetters().get(0).getReason()).startsWith("late INTERIM");
        assertThat(billing.deadLetters().get(1).getReason()).startsWith("late ENDED");
        assertThat(billing.deadLetters().get(1).getValue()).as("the event, for re-rating by hand").isNotNull();
        KeyValueStore<String, CallState> calls = billing.store(StoreNames.CALLS);
        assertThat(calls.get("acme|old")).as("no call opened").isNull();
        assertThat(billing.liveCalls("acme")).isZero();

        billing.advance(Duration.ofHours(2)); // past billing.max.call.age: no ghost either
        assertThat(billing.cdrs()).extracting(RatedCdr::getCallId).containsExactly("old");
        assertThat(billing.balance("acme")).isEqualTo(money("-0.60"));

        // a call that starts now is billed as ever
        var fresh = billing.call("acme", "fresh", "+15551234567");
        var start = T0.plus(Duration.ofMinutes(40)).plus(Duration.ofHours(2));
        billing.send(fresh.event(CallEventType.ENDED, 0, 0).setStartedAt(start).setAnsweredAt(start).setOccurredAt(start.plusSeconds(60))
                .setEndedAt(start.plusSeconds(60)).setDurationMillis(60_000).setSipStatus(200).setHangupBy(HangupParty.CALLER).build());
        assertThat(billing.cdr("fresh").getCost()).isEqualTo(money("0.60"));
        assertThat(billing.deadLetters()).hasSize(2);
    }

    private List<String> storedCallIds(String accountId) {
        List<String> out = new ArrayList<>();
        KeyValueStore<String, RatedCdr> cdrs = billing.store(StoreNames.CDRS);
        try (KeyValueIterator<String, RatedCdr> it = cdrs.range(CdrKeys.accountStart(accountId), CdrKeys.accountEnd(accountId))) {
            it.forEachRemaining((KeyValue<String, RatedCdr> kv) -> out.add(kv.value.getCallId()));
        }
        return out;
    }
}
