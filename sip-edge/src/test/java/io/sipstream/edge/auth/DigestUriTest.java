package io.sipstream.edge.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The digest uri must be the Request-URI: only the letter case of scheme and host may differ. */
class DigestUriTest {
    @Test
    void shouldTolerateOnlyTheCaseOfSchemeAndHostAndSurroundingSpace() {
        assertThat(DigestAuth.sameUri("sip:+1555@Edge.Example.COM:5060", "sip:+1555@edge.example.com:5060")).isTrue();
        assertThat(DigestAuth.sameUri(" SIP:alice@EDGE.example ", "sip:alice@edge.example")).isTrue();
        assertThat(DigestAuth.sameUri("sips:[2001:DB8::1]:5061;transport=tls", "SIPS:[2001:db8::1]:5061;transport=tls")).isTrue();
        assertThat(DigestAuth.sameUri("sip:Alice@edge.example", "sip:alice@edge.example")).as("the user is case-sensitive").isFalse();
        assertThat(DigestAuth.sameUri("sip:+1555@edge.example", "sip:+1666@edge.example")).isFalse();
        assertThat(DigestAuth.sameUri("sip:+1555@edge.example:5060", "sip:+1555@edge.example")).isFalse();
        assertThat(DigestAuth.sameUri("sip:+1555@edge.example;transport=TCP", "sip:+1555@edge.example;transport=tcp")).isFalse();
        assertThat(DigestAuth.sameUri(null, "sip:a@b")).isFalse();
        // the Request-URI without its user part, as SIPp and some phones digest it
        assertThat(DigestAuth.sameUri("sip:127.0.0.1:5060", "sip:+1555@127.0.0.1:5060")).isTrue();
        assertThat(DigestAuth.sameUri("sip:127.0.0.1:5061", "sip:+1555@127.0.0.1:5060")).as("another port").isFalse();
        assertThat(DigestAuth.sameUri("sip:other.example", "sip:+1555@edge.example")).as("another host").isFalse();
    }
}
