package io.sipstream.edge.sip.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ContentLengthScreenTest {
    private static boolean accepts(int max, String... chunks) {
        ContentLengthScreen screen = new ContentLengthScreen(max);
        for (String c : chunks) if (!screen.accept(c.getBytes(StandardCharsets.ISO_8859_1))) return false;
        return true;
    }

    @Test
    void shouldFindABodyLargerThanTheLimitBeforeTheParserAllocatesIt() {
        String head = "INVITE sip:x@y SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nCall-ID: c\r\n";
        assertThat(accepts(16_384, head + "Content-Length: 120\r\n\r\n")).isTrue();
        assertThat(accepts(16_384, head + "Content-Length: 16384\r\n\r\n")).isTrue();
        assertThat(accepts(16_384, head + "Content-Length: 16385\r\n\r\n")).isFalse();
        assertThat(accepts(16_384, head + "content-length:2000000000\r\n")).isFalse();
        assertThat(accepts(16_384, head + "CONTENT-LENGTH:   +0002000000000   \r\n")).as("a sign, zeros, blanks").isFalse();
        assertThat(accepts(16_384, head + "Content-\rLength: 99999999\r\n")).as("a CR inside the line, which the parser drops").isFalse();
        assertThat(accepts(16_384, head + "Content-Length: 99999999999999999999999\r\n")).isFalse();
        assertThat(accepts(16_384, head, "Content-Le", "ngth: 5000", "0000", "\r", "\n")).as("split across reads").isFalse();
        assertThat(accepts(16_384, head, "Content-Le", "ngth: 5000", "\r\n\r\n")).isTrue();
    }

    @Test
    void shouldLeaveWhatTheParserRefusesAnywayOrReadsAsSomethingElse() {
        assertThat(accepts(100, "X-Content-Length: 99999\r\n")).isTrue();
        assertThat(accepts(100, "Content-Length : 99999\r\n")).as("the parser reads \": 99999\", no number").isTrue();
        assertThat(accepts(100, "Content-Length: -99999\r\n")).isTrue();
        assertThat(accepts(100, "Content-Length: 99999x\r\n")).isTrue();
        assertThat(accepts(100, "Subject: Content-Length: 99999\r\n")).isTrue();
        assertThat(accepts(100, "Content-Length: 99", "999")).as("no line end yet: decided when it comes").isTrue();
        assertThat(accepts(100, "Content-Length: 50\r\n\r\nContent-Length: 60\r\n")).isTrue();
    }
}
