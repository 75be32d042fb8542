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
    void shouldIgnoreAWideEntryUnlessTheTrunkSaysAnySource() {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(TrunkAllowList.class);
        var appender = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
        appender.start();
        logger.addAppender(appender);
        TrunkAllowList list = new TrunkAllowList();
        // as a registry before the wide-entry check could have published it
        list.rebuild(List.of(trunk("old", true, "0.0.0.0/0", "203.0.113.7"), trunk("old6", true, "::/0")));
        assertThat(list.trunkOf("198.51.100.1", 5060)).as("0.0.0.0/0 without allowAnySource").isEmpty();
        assertThat(list.trunkOf("2001:db8::1", 5060)).isEmpty();
        assertThat(list.trunkOf("203.0.113.7", 5060)).as("the trunk's narrow entries still count").contains("old");

        list.rebuild(List.of(Trunk.newBuilder(trunk("any", true, "0.0.0.0/0")).setAllowAnySource(true).build(),
                trunk("exact", true, "198.51.100.7")));
        assertThat(list.trunkOf("198.51.100.1", 5060)).contains("any");
        assertThat(list.trunkOf("198.51.100.7", 5060)).as("a narrower entry still wins").contains("exact");
        list.rebuild(List.of(Trunk.newBuilder(trunk("any", true, "0.0.0.0/0")).setAllowAnySource(true).build(),
                trunk("exact", true, "198.51.100.7"), trunk("other", true, "192.0.2.9")));
        logger.detachAppender(appender);
        assertThat(appender.list).extracting(e -> e.getFormattedMessage()).containsExactly(
                "trunk old: allow-list entry 0.0.0.0/0 ignored: it is wider than one provider's addresses and the trunk does not say"
                        + " allowAnySource (list the provider's addresses instead)",
                "trunk old6: allow-list entry ::/0 ignored: it is wider than one provider's addresses and the trunk does not say"
                        + " allowAnySource (list the provider's addresses instead)",
                "trunk any: every source in 0.0.0.0/0 calls in as this trunk without authenticating (allowAnySource)");
        assertThat(appender.list).allMatch(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN);
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
