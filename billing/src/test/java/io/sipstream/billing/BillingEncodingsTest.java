package io.sipstream.billing;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.Account;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.HangupParty;
import io.sipstream.avro.RatedCdr;
import io.sipstream.avro.Usage;
import io.sipstream.billing.state.StateSerde;
import io.sipstream.schemas.Topic;
import io.sipstream.schemas.Topics;
import io.sipstream.schemas.serde.AvroSerde;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Billing encodes a CDR and a usage window once, for its store and its topic, and reads back what it
 * wrote or read before without decoding it (RememberingSerde): the topics still carry what any Avro
 * serializer writes, and every store read is what its changelog holds.
 */
class BillingEncodingsTest {
    private final BillingDriver billing = new BillingDriver();

    @AfterEach
    void stop() { billing.close(); }

    @Test
    void shouldSendTheCdrAndTheUsageWindowsAsAnAvroSerializerOfTheirOwnWritesThem() {
        TestOutputTopic<String, byte[]> cdrs = raw(Topics.BILLING_CDRS.name());
        TestOutputTopic<String, byte[]> usage = raw(Topics.BILLING_USAGE.name());
        billing.rate("default", "1", "0.60", 60, 60);
        billing.account(BillingDriver.account("acme"));
        billing.call("acme", "c1", "+15551234567").talk(61_000);

        List<KeyValue<String, byte[]>> sentCdrs = cdrs.readKeyValuesToList();
        assertThat(sentCdrs).hasSize(1);
        RatedCdr cdr = assertWrittenAsByItsOwnSerde(Topics.BILLING_CDRS, sentCdrs.getFirst().value);
        assertThat(cdr.getCallId()).isEqualTo("c1");
        assertThat(cdr.getCost()).isEqualByComparingTo("1.20");
        byte[] stored = lastValue(billing.changelog(StoreNames.CDRS));
        assertThat(Arrays.copyOfRange(stored, 5, stored.length)).as("the store's and the topic's Avro body")
                .isEqualTo(Arrays.copyOfRange(sentCdrs.getFirst().value, 5, sentCdrs.getFirst().value.length));

        List<KeyValue<String, byte[]>> windows = usage.readKeyValuesToList(); // the account's first call: at once
        assertThat(windows).hasSize(3);
        for (KeyValue<String, byte[]> window : windows) {
            Usage sent = assertWrittenAsByItsOwnSerde(Topics.BILLING_USAGE, window.value);
            assertThat(sent.getCalls()).isEqualTo(1);
            assertThat(sent.getCost()).isEqualByComparingTo("1.20");
        }
    }

    @Test
    void shouldBillEachCallByTheAccountAsTheRegistryLastSentIt() {
        billing.rate("default", "1", "0.60", 60, 60);
        billing.rate("gold", "1", "0.30", 60, 60);
        billing.account(BillingDriver.account("acme").setRateDeckId("gold"));
        billing.call("acme", "c1", "+15551234567").talk(60_000);
        billing.account(BillingDriver.account("acme").setRateDeckId("default"));
        billing.call("acme", "c2", "+15551234567").talk(60_000);
        billing.account(BillingDriver.account("acme").setRateDeckId("gold")); // the same bytes as the first
        billing.call("acme", "c3", "+15551234567").talk(60_000);

        assertThat(billing.cdr("c1").getCost()).isEqualByComparingTo("0.30");
        assertThat(billing.cdr("c2").getCost()).isEqualByComparingTo("0.60");
        assertThat(billing.cdr("c3").getCost()).isEqualByComparingTo("0.30");
        assertThat(billing.balance("acme")).isEqualByComparingTo("-1.20");
    }

    @Test
    void shouldReadEveryStoreAsItsChangelogHoldsIt() {
        billing.rate("default", "1", "0.60", 60, 60);
        billing.account(BillingDriver.account("acme").setPrepaid(true));
        billing.account(BillingDriver.account("beta"));
        billing.credit("acme", "10.00", "USD", "k1");
        var a1 = billing.call("acme", "a1", "+15551234567");
        var a2 = billing.call("acme", "a2", "+15551234567");
        var b1 = billing.call("beta", "b1", "+15551234567");
        billing.send(a1.event(CallEventType.RINGING, 0, 1).build());
        billing.send(b1.answered(2));
        billing.send(a1.answered(5));
        billing.send(a2.answered(6));
        billing.send(a1.interim(1, 30_000));
        billing.send(a1.ended(60_000, 200, HangupParty.CALLER));
        billing.credit("acme", "1.00", "USD", "k2");
        billing.send(b1.ended(120_000, 200, HangupParty.CALLEE));
        for (int i = 0; i < 4; i++) billing.call("acme", "n" + i, "+15551234567").talk(60_000);

        assertThat(billing.balance("acme")).as("11.00 credited, five calls of a minute, a2 answered and live")
                .isEqualByComparingTo("8.00");
        assertThat(billing.balances().get("acme").live).containsOnlyKeys("a2");
        assertReadAsLogged(StoreNames.BALANCES, StateSerde.balances().deserializer());
        assertReadAsLogged(StoreNames.CALLS, StateSerde.calls().deserializer());
        assertReadAsLogged(StoreNames.USAGE, Topics.BILLING_USAGE.valueSerde(billing.config.kafka().serdes()).deserializer());
        assertReadAsLogged(StoreNames.ACCOUNTS, Topics.REGISTRY_ACCOUNTS.valueSerde(billing.config.kafka().serdes()).deserializer());
        Account beta = billing.<Account>store(StoreNames.ACCOUNTS).get("beta");
        assertThat(beta.getAccountId()).isEqualTo("beta");
    }

    /** Each key's value in the store (read through billing's serde) is its last changelog record, decoded afresh. */
    private <V> void assertReadAsLogged(String storeName, Deserializer<V> fresh) {
        Map<String, byte[]> last = new LinkedHashMap<>();
        billing.changelog(storeName).forEach(kv -> last.put(kv.key, kv.value));
        assertThat(last).as(storeName).isNotEmpty();
        KeyValueStore<String, V> store = billing.store(storeName);
        last.forEach((key, bytes) -> {
            if (bytes == null) {
                assertThat(store.get(key)).as("%s %s: deleted", storeName, key).isNull();
                return;
            }
            V expected = fresh.deserialize("", bytes);
            assertThat(store.get(key)).as("%s %s", storeName, key).usingRecursiveComparison().isEqualTo(expected);
            assertThat(store.get(key)).as("read again").usingRecursiveComparison().isEqualTo(expected);
        });
    }

    private <V extends SpecificRecord> V assertWrittenAsByItsOwnSerde(Topic<V> topic, byte[] sent) {
        AvroSerde<V> own = topic.valueSerde(billing.config.kafka().serdes());
        V value = own.deserializer().deserialize(topic.name(), sent);
        assertThat(sent).as("%s's bytes", topic).isEqualTo(own.serializer().serialize(topic.name(), value));
        return value;
    }

    private static byte[] lastValue(List<KeyValue<String, byte[]>> records) { return records.getLast().value; }

    private TestOutputTopic<String, byte[]> raw(String topic) {
        return billing.driver.createOutputTopic(topic, new StringDeserializer(), new ByteArrayDeserializer());
    }
}
