package io.sipstream.registry.rest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostsTest {

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
