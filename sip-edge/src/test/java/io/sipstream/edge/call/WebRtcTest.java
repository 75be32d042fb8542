package io.sipstream.edge.call;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
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
}
