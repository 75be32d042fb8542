package io.sipstream.edge.sip;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MalformedMessagesTest {
    @Test
    void shouldShowTheStartOfAMessageOnOneLineWithoutItsControlCharacters() {
        assertThat(MalformedMessages.printable("BYE x\r\nFAKE LOG LINE\u0000".getBytes(StandardCharsets.ISO_8859_1)))
                .isEqualTo("\"BYE x\\r\\nFAKE LOG LINE\\x00\"");
        assertThat(MalformedMessages.printable("a".repeat(500).getBytes(StandardCharsets.ISO_8859_1)))
                .isEqualTo("\"" + "a".repeat(120) + "\"... (500 bytes)");
        assertThat(MalformedMessages.printable(new byte[] {(byte) 0xff})).isEqualTo("\"\\xff\"");
        assertThat(MalformedMessages.printable(null)).isEqualTo("(nothing)");
    }

    @Test
    void shouldCountEveryOne() {
        MalformedMessages m = new MalformedMessages();
        for (int i = 0; i < 5; i++) m.record("192.0.2.1", "bad", new byte[] {1});
        assertThat(m.count()).isEqualTo(5);
    }
}
