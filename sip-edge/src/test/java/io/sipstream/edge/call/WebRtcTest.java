package io.sipstream.edge.call;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.edge.registrar.Binding;
import io.sipstream.edge.support.FakeRouter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebRtcTest {
    private static byte[] sdp(String media) {
        return ("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" + media + "\r\na=sendrecv\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void shouldTakeALegOverWebSocketForWebRtc() {
        assertThat(WebRtc.transport("ws")).isTrue();
        assertThat(WebRtc.transport("WSS")).isTrue();
        assertThat(WebRtc.transport("udp")).isFalse();
        assertThat(WebRtc.transport("tls")).isFalse();
        assertThat(WebRtc.transport(null)).isFalse();
    }

    @Test
    void shouldTakeDtlsSrtpMediaForWebRtcAndPlainRtpNot() {
        assertThat(WebRtc.sdp(sdp("m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8"))).isTrue();
        assertThat(WebRtc.sdp(sdp("m=audio 6000 RTP/AVP 0\r\nm=video 9 udp/tls/rtp/savpf 96"))).isTrue();
        assertThat(WebRtc.sdp(sdp("m=audio 6000 RTP/AVP 0 101"))).isFalse();
        assertThat(WebRtc.sdp(sdp("m=audio 6000 RTP/SAVP 0"))).as("SDES-SRTP is not WebRTC's").isFalse();
        assertThat(WebRtc.sdp("a=UDP/TLS/RTP/SAVPF\r\n".getBytes(StandardCharsets.US_ASCII))).as("only media lines count").isFalse();
        assertThat(WebRtc.sdp(null)).isFalse();
    }

    private static Binding contact(String uri, String transport) {
        return new Binding(uri, Long.MAX_VALUE, "c1", 1, "127.0.0.1", 40000, transport, "test");
    }

    @Test
    void shouldTellABrowsersContactsAndTargetsFromADeskPhones() {
        Binding browser = contact("sip:k2j4@df7jal23ls0d.invalid;transport=ws", "wss");
        Binding phone = contact("sip:alice@192.0.2.7:5062", "udp");
        assertThat(WebRtc.contacts(List.of(browser))).isTrue();
        assertThat(WebRtc.contacts(List.of(browser, phone))).as("a desk phone among them: plain RTP").isFalse();
        assertThat(WebRtc.contacts(List.of())).isFalse();
        assertThat(WebRtc.binding(contact("sip:x@y.invalid;transport=WSS;ob", "tcp"))).as("the Contact's own transport").isTrue();
        assertThat(WebRtc.uri("sip:bob@example.com;transport=wsx")).isFalse();

        assertThat(WebRtc.target(FakeRouter.uri("sip:x@y.invalid;transport=ws"))).isTrue();
        assertThat(WebRtc.target(FakeRouter.uri("sip:+15551234567@198.51.100.1"))).isFalse();
        assertThat(WebRtc.target(FakeRouter.registered("alice"))).as("its contacts tell").isFalse();
        assertThat(WebRtc.target(null)).isFalse();
    }
}
