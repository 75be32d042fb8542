package io.sipstream.router.topology;

import static io.sipstream.router.topology.RouterDriver.account;
import static io.sipstream.router.topology.RouterDriver.trunk;
import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.Account;
import io.sipstream.avro.BlockDecision;
import io.sipstream.avro.Rate;
import io.sipstream.avro.Trunk;
import io.sipstream.avro.TrunkLoad;
import io.sipstream.avro.VerdictAction;
import io.sipstream.schemas.Topics;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The table stores' reads go through {@link DecodedValueCache}: a row read twice is one decoded value,
 * and a changed row reads as its new value. The stores are read as the routing reads them (the
 * driver's store is the processors' store, with the serde the topology gave it).
 */
class TableRowsDecodedOnceTest {
    private final RouterDriver d = new RouterDriver();

    @AfterEach
    void tearDown() { d.close(); }

    private <V> V read(String store, String key) {
        KeyValueStore<String, ValueAndTimestamp<V>> rows = d.driver.getTimestampedKeyValueStore(store);
        ValueAndTimestamp<V> row = rows.get(key);
        return row == null ? null : row.value();
    }

    @Test
    void shouldReadAnAccountRowAsOneDecodedValueUntilTheRowChanges() {
        d.put(account("acme").setEnabled(true));
        Account first = read(RouterTopology.ACCOUNTS_STORE, "acme");
        assertThat(first.getEnabled()).isTrue();
        assertThat(this.<Account>read(RouterTopology.ACCOUNTS_STORE, "acme")).isSameAs(first);

        d.put(account("acme").setEnabled(false));
        Account changed = read(RouterTopology.ACCOUNTS_STORE, "acme");
        assertThat(changed.getEnabled()).isFalse();
        assertThat(this.<Account>read(RouterTopology.ACCOUNTS_STORE, "acme")).isSameAs(changed);
        // and the routing reads the new row
        assertThat(d.decide(d.outbound("acme", "+15551234567")).getAction()).isEqualTo(VerdictAction.REJECT);
    }

    @Test
    void shouldReadABlockRowAsOneDecodedValueUntilTheRowChanges() {
        d.block("acme", false, true, "1.00", "0");
        BlockDecision first = read(RouterTopology.BLOCKS_STORE, "acme");
        assertThat(this.<BlockDecision>read(RouterTopology.BLOCKS_STORE, "acme")).isSameAs(first);

        d.block("acme", false, true, "0.50", "0");
        BlockDecision changed = read(RouterTopology.BLOCKS_STORE, "acme");
        assertThat(changed.getBalance()).isEqualByComparingTo("0.50");
        assertThat(this.<BlockDecision>read(RouterTopology.BLOCKS_STORE, "acme")).isSameAs(changed);
    }

    @Test
    void shouldReadGlobalTableRowsAsOneDecodedValueUntilTheRowChanges() {
        d.put(trunk("t1"));
        d.rate("default", "1", "0.01");
        Trunk trunk = read(RouterTopology.TRUNKS_STORE, "t1");
        Rate rate = read(RouterTopology.RATES_STORE, "default:1");
        assertThat(this.<Trunk>read(RouterTopology.TRUNKS_STORE, "t1")).isSameAs(trunk);
        assertThat(this.<Rate>read(RouterTopology.RATES_STORE, "default:1")).isSameAs(rate);

        d.put(trunk("t1").setMaxChannels(5));
        Trunk changed = read(RouterTopology.TRUNKS_STORE, "t1");
        assertThat(changed.getMaxChannels()).isEqualTo(5);
        assertThat(this.<Trunk>read(RouterTopology.TRUNKS_STORE, "t1")).isSameAs(changed);
    }

    @Test
    void shouldDecodeTheTrunksCallCountsAtEveryRead() {
        // router.trunk.calls changes with every call on a limited trunk: not worth remembering
        d.driver.createInputTopic(Topics.ROUTER_TRUNK_CALLS.name(), new StringSerializer(),
                        Topics.ROUTER_TRUNK_CALLS.valueSerde(d.serdes).serializer())
                .pipeInput("t1", TrunkLoad.newBuilder().setTrunkId("t1").setLiveCalls(3).setCountedAt(RouterDriver.START).build());
        TrunkLoad load = read(RouterTopology.TRUNK_LOADS_STORE, "t1");
        assertThat(load.getLiveCalls()).isEqualTo(3);
        assertThat(this.<TrunkLoad>read(RouterTopology.TRUNK_LOADS_STORE, "t1")).isEqualTo(load).isNotSameAs(load);
    }
}
