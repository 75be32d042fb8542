package io.sipstream.edge.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.Trunk;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrunkAllowListTest {
    private static Trunk trunk(String id, boolean enabled, String... cidrs) {
        return Trunk.newBuilder().setTrunkId(id).setHost("192.0.2.1").setEnabled(enabled).setAllowedCidrs(List.of(cidrs)).build();
    }

    @Test
    void shouldMatchCidrsAddressesAndPinnedPortsMostSpecificFirst() {
        TrunkAllowList list = new TrunkAllowList();
        list.rebuild(List.of(trunk("wide", true, "203.0.113.0/24"), trunk("pinned", true, "203.0.113.7/32:5060"),
                trunk("v6", true, "2001:db8::/32"), trunk("off", false, "198.51.100.0/24"), trunk("bad", true, "not-an-ip", "10.0.0.0/99")));
        assertThat(list.trunkOf("203.0.113.7", 5060)).contains("pinned");
        assertThat(list.trunkOf("203.0.113.7", 5062)).contains("wide");
        assertThat(list.trunkOf("203.0.114.7", 5060)).isEmpty();
        assertThat(list.trunkOf("2001:db8::5", 5060)).contains("v6");
        assertThat(list.trunkOf("198.51.100.9", 5060)).as("disabled trunk").isEmpty();
        assertThat(list.trunkOf("garbage", 1)).isEmpty();
    }
}
