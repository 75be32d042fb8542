package io.sipstream.billing;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallEventType;
import io.sipstream.avro.HangupParty;
import io.sipstream.schemas.Topics;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What one call costs billing in Kafka records: every record it writes to its changelogs and
 * output topics. The driver commits after every input record, so this is the worst case, with no
 * two writes of a key in one commit; in production the cached stores (balances, calls, usage) also
 * merge the writes of one commit interval, e.g. every call of a busy account into one balance record.
 */
class BillingWritesTest {
    private static final List<String> STORES = List.of(StoreNames.ACCOUNTS, StoreNames.BALANCES, StoreNames.CALLS,
            StoreNames.ENDED_CALLS, StoreNames.CLOSED_CALLS, StoreNames.CREDIT_RECEIPTS, StoreNames.USAGE, StoreNames.CDRS, StoreNames.EXPIRY);

    private BillingDriver billing;
    private final Map<String, TestOutputTopic<String, byte[]>> topics = new LinkedHashMap<>();

    @BeforeEach
    void start() {
        billing = new BillingDriver();
        for (String store : STORES) topic(billing.config.applicationId() + "-" + store + "-changelog");
        for (var t : List.of(Topics.BILLING_CDRS, Topics.BILLING_USAGE, Topics.BILLING_BLOCKS, Topics.DEAD_LETTERS)) topic(t.name());
        billing.rate("default", "1", "0.60", 60, 60);
        billing.account(BillingDriver.account("acme"));
        billing.call("acme", "warm-up", "+15551234567").talk(30_000); // the account's windows and decision exist
        written();
    }

    @AfterEach
    void stop() { billing.close(); }

    private void topic(String name) {
        topics.put(name, billing.driver.createOutputTopic(name, new StringDeserializer(), new ByteArrayDeserializer()));
    }

    /** Records written since the last call, by topic. */
    private Map<String, Integer> written() {
        Map<String, Integer> out = new LinkedHashMap<>();
        topics.forEach((name, topic) -> {
            int n = topic.readRecordsToList().size();
            if (n > 0) out.put(name, n);
        });
        return out;
    }

    private static int total(Map<String, Integer> written) {
        return written.values().stream().mapToInt(Integer::intValue).sum();
    }

    @Test
    void shouldWriteAFewRecordsForACallOfFourEvents() {
        var call = billing.call("acme", "c1", "+15551234567");
        billing.send(call.attempt());
        billing.send(call.event(CallEventType.RINGING, 0, 1).build());
        billing.send(call.answered(5));
        billing.send(call.ended(60_000, 200, HangupParty.CALLER));
        Map<String, Integer> written = written();
        // before: 21 (the balance stored on every event, RINGING's and ANSWERED's unchanged ones too)
        assertThat(total(written)).as("records for one call: %s", written).isLessThanOrEqualTo(19);
        assertThat(written.get("sipstream-billing-balances-changelog")).isEqualTo(2);
    }

    /** The records of each step of the bench's call (postpaid; RINGING, ANSWERED, ENDED), per-record commits. */
    @Test
    void shouldWriteTheseRecordsForEachEventOfAPostpaidCall() {
        billing.advance(billing.config.usagePublishInterval()); // the account's first call of an interval
        written();
        var call = billing.call("acme", "c1", "+15551234567");
        billing.send(call.event(CallEventType.RINGING, 0, 1).build());
        assertThat(written()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "sipstream-billing-calls-changelog", 1, "sipstream-billing-balances-changelog", 1)); // its live charge, 0
        billing.send(call.answered(5));
        assertThat(written()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "sipstream-billing-calls-changelog", 1)); // the balance's live charge still 0: not stored again
        billing.send(call.ended(60_000, 200, HangupParty.CALLER));
        assertThat(written()).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                Map.entry("sipstream-billing-calls-changelog", 1), // the tombstone
                Map.entry("sipstream-billing-closed-calls-changelog", 1), // forgotten with its segment: no index, no tombstone
                Map.entry("sipstream-billing-expiry-changelog", 1), // the CDR's index entry
                Map.entry("sipstream-billing-cdrs-changelog", 1),
                Map.entry("sipstream-billing-usage-changelog", 3),
                Map.entry("sipstream-billing-balances-changelog", 1),
                Map.entry(Topics.BILLING_CDRS.name(), 1),
                Map.entry(Topics.BILLING_USAGE.name(), 3)));
    }

    @Test
    void shouldSendABusyAccountsUsageOncePerWindowAndIntervalWithTheSum() {
        billing.advance(billing.config.usagePublishInterval());
        written();
        TestOutputTopic<String, io.sipstream.avro.Usage> usage = billing.usage;
        usage.readRecordsToList();
        for (int i = 1; i <= 4; i++) billing.call("acme", "c" + i, "+15551234567").talk(60_000);
        // the first call's three windows at once (the warm-up's and c1), the other three calls' held back
        assertThat(usage.readKeyValuesToList()).extracting(kv -> kv.value.getCalls()).containsExactly(2L, 2L, 2L);

        billing.advance(billing.config.usagePublishInterval()); // the interval's end
        var flushed = usage.readKeyValuesToMap();
        assertThat(flushed).hasSize(3);
        KeyValueStore<String, io.sipstream.avro.Usage> store = billing.store(StoreNames.USAGE);
        flushed.forEach((key, window) -> {
            assertThat(window.getCalls()).as(key).isEqualTo(5); // the warm-up and c1 to c4: the sum of every call
            assertThat(window.getCost()).as(key).isEqualByComparingTo("3.00");
            assertThat(window).as("billing.usage's last value of %s is the store's", key).isEqualTo(store.get(key));
        });
        assertThat(billing.balances().get("acme").unpublishedUsageHours).isEmpty();

        billing.advance(billing.config.usagePublishInterval());
        assertThat(usage.readRecordsToList()).as("nothing changed, nothing sent").isEmpty();
    }

    @Test
    void shouldWriteAFewRecordsForACallOfTwoEvents() {
        var call = billing.call("acme", "c1", "+15551234567");
        billing.send(call.answered(5));
        billing.send(call.ended(60_000, 200, HangupParty.CALLER));
        Map<String, Integer> written = written();
        // 17 before too: each of these events changes the balance (per-record commits hide the cache)
        assertThat(total(written)).as("records for one call: %s", written).isLessThanOrEqualTo(17);
    }

    @Test
    void shouldNotStoreTheBalanceOfASilentCallAtEveryPunctuationOnlyWhenItsChargeMoves() {
        var call = billing.call("acme", "c1", "+15551234567");
        billing.send(call.answered(5));
        written();
        billing.advance(Duration.ofMinutes(3)); // past the 2 minute grace: charged as if it still ran
        written();
        for (int i = 0; i < 6; i++) billing.advance(Duration.ofSeconds(10)); // six punctuations, one minute
        Map<String, Integer> written = written();
        // before: 6 balance records (one per punctuation); now one when the estimate enters its next minute
        assertThat(written.getOrDefault("sipstream-billing-balances-changelog", 0)).as("%s", written).isLessThanOrEqualTo(1);
    }
}
