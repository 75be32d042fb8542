package io.sipstream.registry.trunks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipstream.registry.rest.Hosts;
import org.junit.jupiter.api.Test;

class CidrsTest {

    @Test
    void shouldCanonicaliseIpv4AndIpv6Blocks() {
        assertThat(Cidrs.canonical("192.0.2.0/24")).isEqualTo("192.0.2.0/24");
        assertThat(Cidrs.canonical("203.0.113.7")).isEqualTo("203.0.113.7/32");
        assertThat(Cidrs.canonical("0.0.0.0/0")).isEqualTo("0.0.0.0/0");
        assertThat(Cidrs.canonical("2001:DB8:0:0::/32")).isEqualTo("2001:db8::/32");
        assertThat(Cidrs.canonical("::1")).isEqualTo("::1/128");
        assertThat(Cidrs.canonical("fe80::/10")).isEqualTo("fe80::/10");
    }

    @Test
    void shouldRefuseBadBlocksWithTheReason() {
        assertThatThrownBy(() -> Cidrs.canonical("10.0.0.0/33")).hasMessageContaining("prefix length");
        assertThatThrownBy(() -> Cidrs.canonical("300.1.1.1/8")).hasMessageContaining("IPv4 or IPv6");
        assertThatThrownBy(() -> Cidrs.canonical("10.1.2.3/8")).hasMessageContaining("host bits").hasMessageContaining("10.0.0.0/8");
        assertThatThrownBy(() -> Cidrs.canonical("2001:db8::/129")).hasMessageContaining("0 to 128");
        assertThatThrownBy(() -> Cidrs.canonical("2001:db8:::1/64")).hasMessageContaining("IPv4 or IPv6");
        assertThatThrownBy(() -> Cidrs.canonical("example.com/24")).hasMessageContaining("IPv4 or IPv6");
        assertThatThrownBy(() -> Cidrs.canonical("10.0.0.0/")).hasMessageContaining("prefix length");
    }

    @Test
    void shouldTellHostsFromGarbage() {
        assertThat(Hosts.host("127.0.0.1")).isTrue();
        assertThat(Hosts.host("sip.example.com")).isTrue();
        assertThat(Hosts.host("[2001:db8::1]")).isTrue();
        assertThat(Hosts.host("2001:db8::1")).isTrue();
        assertThat(Hosts.host("256.1.1.1")).isFalse();
        assertThat(Hosts.host("bad host")).isFalse();
        assertThat(Hosts.host("-bad.example")).isFalse();
        assertThat(Hosts.hostPort("sip.example.com:5080")).isTrue();
        assertThat(Hosts.hostPort("[2001:db8::1]:5060")).isTrue();
        assertThat(Hosts.hostPort("sip.example.com:70000")).isFalse();
    }
}
