package io.sipstream.platform.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipstream.platform.net.SourceRule.InvalidSourceRuleException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SourceRuleTest {

    private static String canonical(String text) { return SourceRule.parse(text).canonical(); }

    @Test
    void shouldCanonicaliseEveryForm() {
        assertThat(canonical("192.0.2.0/24")).isEqualTo("192.0.2.0/24");
        assertThat(canonical(" 203.0.113.7 ")).isEqualTo("203.0.113.7/32");
        assertThat(canonical("0.0.0.0/0")).isEqualTo("0.0.0.0/0");
        assertThat(canonical("127.0.0.1:5090")).isEqualTo("127.0.0.1/32:5090");
        assertThat(canonical("10.0.0.0/24:5060")).isEqualTo("10.0.0.0/24:5060");
        assertThat(canonical("2001:DB8:0:0::/32")).isEqualTo("2001:db8::/32");
        assertThat(canonical("::1")).isEqualTo("::1/128");
        assertThat(canonical("fe80::/10")).isEqualTo("fe80::/10");
        assertThat(canonical("[2001:db8::1]:5060")).isEqualTo("[2001:db8::1/128]:5060");
        assertThat(canonical("[2001:db8::/32]:5060")).isEqualTo("[2001:db8::/32]:5060");
        assertThat(canonical("[2001:db8::1]")).isEqualTo("2001:db8::1/128");
        assertThat(canonical("2001:0db8:0000:0000:0001:0000:0000:0001")).isEqualTo("2001:db8::1:0:0:1/128");
    }

    @Test
    void shouldReadBackItsOwnCanonicalText() {
        for (String text : List.of("192.0.2.0/24", "127.0.0.1:5090", "10.0.0.0/24:5060", "2001:db8::/32", "[2001:db8::1]:5060",
                "[2001:db8::/32]:5060", "::/0")) {
            SourceRule rule = SourceRule.parse(text);
            assertThat(SourceRule.parse(rule.canonical())).as(text).isEqualTo(rule);
            assertThat(SourceRule.parse(rule.canonical()).canonical()).as(text).isEqualTo(rule.canonical());
        }
    }

    @Test
    void shouldRefuseWhatCannotBeMatchedSayingWhy() {
        assertRefused("10.0.0.1/24", "host bits", "10.0.0.0/24");
        assertRefused("10.1.2.3/8", "host bits", "10.0.0.0/8");
        assertRefused("2001:db8::1/32", "host bits", "2001:db8::/32");
        assertRefused("1.2.3.4:70000", "port '70000'", "1 to 65535");
        assertRefused("1.2.3.4:0", "port '0'");
        assertRefused("1.2.3.4:", "port ''");
        assertRefused("1.2.3.4:http", "port 'http'");
        assertRefused("[2001:db8::1]:99999", "port '99999'");
        assertRefused("[2001:db8::1]5060", "expected :port");
        assertRefused("[2001:db8::1", "never closes");
        assertRefused("[10.0.0.1]:5060", "brackets are for IPv6");
        assertRefused("10.0.0.0/33", "prefix length '33'", "0 to 32");
        assertRefused("2001:db8::/129", "0 to 128");
        assertRefused("10.0.0.0/", "prefix length ''");
        assertRefused("10.0.0.0/-1", "prefix length");
        assertRefused("300.1.1.1/8", "not an IPv4 or IPv6");
        assertRefused("2001:db8:::1/64", "not an IPv4 or IPv6");
        assertRefused("example.com", "host names are not allowed");
        assertRefused("example.com:5060", "not an IPv4 or IPv6");
        assertRefused("::ffff:10.0.0.1", "mixes IPv4 and IPv6");
        assertRefused("", "empty");
        assertRefused(null, "empty");
    }

    private static void assertRefused(String text, String... reason) {
        assertThatThrownBy(() -> SourceRule.parse(text)).as(text).isInstanceOf(InvalidSourceRuleException.class)
                .hasMessageContainingAll(reason);
    }

    @Test
    void shouldMatchAddressesBlocksAndPinnedPorts() throws Exception {
        assertThat(SourceRule.parse("10.0.0.0/8").matches("10.9.8.7", 1)).isTrue();
        assertThat(SourceRule.parse("10.0.0.0/9").matches("10.200.8.7", 1)).isFalse();
        assertThat(SourceRule.parse("10.0.0.0/9").matches("10.127.8.7", 1)).isTrue();
        assertThat(SourceRule.parse("0.0.0.0/0").matches("198.51.100.1", 5060)).isTrue();
        assertThat(SourceRule.parse("0.0.0.0/0").matches("2001:db8::1", 5060)).as("IPv4 rule, IPv6 source").isFalse();

        SourceRule pinned = SourceRule.parse("127.0.0.1:5090");
        assertThat(pinned.matches("127.0.0.1", 5090)).isTrue();
        assertThat(pinned.matches("127.0.0.1", 5091)).isFalse();
        assertThat(pinned.matches("127.0.0.2", 5090)).isFalse();
        assertThat(pinned.matches(InetAddress.getByName("127.0.0.1"), 5090)).isTrue();
        assertThat(pinned.matches("::ffff:127.0.0.1", 5090)).as("an IPv4-mapped source is its IPv4 address").isTrue();

        SourceRule blockPort = SourceRule.parse("10.0.0.0/24:5060");
        assertThat(blockPort.matches("10.0.0.200", 5060)).isTrue();
        assertThat(blockPort.matches("10.0.1.1", 5060)).isFalse();
        assertThat(blockPort.matches("10.0.0.200", 5061)).isFalse();

        SourceRule v6 = SourceRule.parse("[2001:db8::1]:5060");
        assertThat(v6.matches("2001:db8:0::1", 5060)).isTrue();
        assertThat(v6.matches("2001:db8::2", 5060)).isFalse();
        assertThat(SourceRule.parse("2001:db8::/32").matches("2001:db8:ffff::9", 7)).isTrue();
        assertThat(SourceRule.parse("2001:db8::/32").matches("2001:db9::9", 7)).isFalse();

        assertThat(pinned.matches("localhost", 5090)).as("never a lookup").isFalse();
        assertThat(pinned.matches("garbage", 5090)).isFalse();
        assertThat(pinned.matches((String) null, 5090)).isFalse();
    }

    @Test
    void shouldMatchDottedQuadsWithoutParsingThemIntoBytesAsTheByteMatchDoes() {
        assertThat(SourceRule.ipv4("0.0.0.0")).isZero();
        assertThat(SourceRule.ipv4("255.255.255.255")).isEqualTo(0xFFFF_FFFFL);
        assertThat(SourceRule.ipv4("203.0.113.7")).isEqualTo(0xCB00_7107L);
        for (String notOne : new String[] {"1.2.3", "1.2.3.4.5", "1.2.3.", ".1.2.3", "1..2.3", "256.1.1.1", "01.2.3.4", "1.2.3.4 ",
                "a.b.c.d", "::1", "::ffff:127.0.0.1", "", "1234.1.1.1"}) {
            assertThat(SourceRule.ipv4(notOne)).as(notOne).isEqualTo(-1);
        }
        assertThat(SourceRule.ipv4(null)).isEqualTo(-1);
        String[] rules = {"10.0.0.0/8", "10.0.0.0/9", "0.0.0.0/0", "127.0.0.1:5090", "10.0.0.0/24:5060", "203.0.113.7", "2001:db8::/32"};
        String[] sources = {"10.9.8.7", "10.200.8.7", "10.127.8.7", "198.51.100.1", "127.0.0.1", "127.0.0.2", "10.0.0.200", "10.0.1.1",
                "203.0.113.7", "203.0.113.8", "255.255.255.255"};
        for (String r : rules) {
            SourceRule rule = SourceRule.parse(r);
            for (String ip : sources) {
                for (int port : new int[] {5060, 5061, 5090}) {
                    assertThat(rule.matchesIpv4(SourceRule.ipv4(ip), port)).as(r + " " + ip + ":" + port).isEqualTo(rule.matches(ip, port));
                }
            }
        }
    }

    @Test
    void shouldCallPrefixesWiderThanOneProvidersWide() {
        assertThat(SourceRule.parse("0.0.0.0/0").wide()).isTrue();
        assertThat(SourceRule.parse("10.0.0.0/15").wide()).isTrue();
        assertThat(SourceRule.parse("0.0.0.0/0:5060").wide()).as("a pinned port still admits every host").isTrue();
        assertThat(SourceRule.parse("10.0.0.0/16").wide()).isFalse();
        assertThat(SourceRule.parse("203.0.113.7").wide()).isFalse();
        assertThat(SourceRule.parse("::/0").wide()).isTrue();
        assertThat(SourceRule.parse("2001:d00::/24").wide()).isTrue();
        assertThat(SourceRule.parse("2001:db8::/32").wide()).isFalse();
    }

    @Test
    void shouldOrderPinnedPortsThenLongerPrefixesFirst() {
        List<SourceRule> rules = new ArrayList<>(List.of(SourceRule.parse("10.0.0.0/8"), SourceRule.parse("10.0.0.0/24"),
                SourceRule.parse("10.0.0.0/8:5060"), SourceRule.parse("10.0.0.7")));
        rules.sort(SourceRule.MOST_SPECIFIC_FIRST);
        assertThat(rules).extracting(SourceRule::canonical).containsExactly("10.0.0.0/8:5060", "10.0.0.7/32", "10.0.0.0/24", "10.0.0.0/8");
    }
}
