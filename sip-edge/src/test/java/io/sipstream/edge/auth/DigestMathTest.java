package io.sipstream.edge.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DigestMathTest {
    @Test
    void shouldComputeTheRfc2617ExampleResponse() {
        // RFC 2617 section 3.5 (HTTP, but the same arithmetic)
        String ha1 = DigestMath.ha1("MD5", "Mufasa", "testrealm@host.com", "Circle Of Life");
        String response = DigestMath.response("MD5", ha1, "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b", "auth",
                "GET", "/dir/index.html");
        assertThat(response).isEqualTo("6629fae49393a05397450978507c4ef1");
    }

    @Test
    void shouldComputeTheRfc7616Sha256ExampleResponse() {
        String ha1 = DigestMath.ha1("SHA-256", "Mufasa", "http-auth@example.org", "Circle of Life");
        String response = DigestMath.response("SHA-256", ha1, "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "00000001",
                "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "auth", "GET", "/dir/index.html");
        assertThat(response).isEqualTo("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
    }

    @Test
    void shouldKnowOnlyMd5AndSha256() {
        assertThat(DigestMath.jdkAlgorithm(null)).isEqualTo("MD5");
        assertThat(DigestMath.jdkAlgorithm("sha-256")).isEqualTo("SHA-256");
        assertThat(DigestMath.jdkAlgorithm("SHA-512-256")).isNull();
    }
}
