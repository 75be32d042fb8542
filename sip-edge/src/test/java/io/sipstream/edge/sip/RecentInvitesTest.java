package io.sipstream.edge.sip;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The reader's memory of INVITEs it queued, which keeps a retransmission of one still queued from a 503 on receipt. */
class RecentInvitesTest {

    private static byte[] invite(String branch) {
        return ("INVITE sip:+15557654321@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=" + branch + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void shouldKnowARetransmissionByItsBytesWithinTheWindowOnly() {
        RecentInvites recent = new RecentInvites();
        recent.queued(invite("z9hG4bK-1"), 1_000);

        assertThat(recent.wasQueued(invite("z9hG4bK-1"), 1_500)).as("the same bytes again").isTrue();
        assertThat(recent.wasQueued(invite("z9hG4bK-2"), 1_500)).as("another INVITE").isFalse();
        assertThat(recent.wasQueued(invite("z9hG4bK-1"), 1_000 + RecentInvites.WINDOW_MILLIS + 1)).as("past the window").isFalse();
    }

    @Test
    void shouldForgetTheOldestOnceFull() {
        RecentInvites recent = new RecentInvites();
        for (int i = 0; i < RecentInvites.CAPACITY; i++) recent.queued(invite("b" + i), 1_000);
        assertThat(recent.wasQueued(invite("b0"), 1_000)).isTrue();

        recent.queued(invite("newest"), 1_000);
        assertThat(recent.wasQueued(invite("b0"), 1_000)).as("overwritten").isFalse();
        assertThat(recent.wasQueued(invite("b1"), 1_000)).isTrue();
        assertThat(recent.wasQueued(invite("newest"), 1_000)).isTrue();
    }
}
