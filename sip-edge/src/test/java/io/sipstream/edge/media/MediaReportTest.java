package io.sipstream.edge.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What an ng query's answer says of a call's media, as rtpengine 10.5 words it. */
class MediaReportTest {

    /** One side's medias: an RTP stream (with rtcp-mux flagged RTP and RTCP) and its RTCP stream. */
    private static Map<String, Object> tag(String tag, List<String> rtpFlags, String announced, String source, long packets, List<String> mediaFlags) {
        Map<String, Object> rtp = Map.of("flags", rtpFlags, "advertised endpoint", Map.of("address", announced, "port", 4000),
                "endpoint", Map.of("address", source, "port", 5000), "stats", Map.of("packets", packets, "bytes", packets * 172),
                "last packet", 1796334331L);
        Map<String, Object> rtcp = Map.of("flags", List.of("RTCP"), "stats", Map.of("packets", 3, "bytes", 300));
        return Map.of("tag", tag, "medias", List.of(Map.of("index", 1, "type", "audio", "flags", mediaFlags, "streams", List.of(rtp, rtcp))));
    }

    @Test
    void shouldCountABrowsersRtcpMuxedStreamAndNotCallItsIceChoiceNat() {
        // a browser's side: rtcp-mux (its one stream flagged RTP and RTCP), ICE picked another address than its c= line
        Map<String, Object> answer = Map.of("tags", Map.of(
                MediaReport.CALLER, tag(MediaReport.CALLER, List.of("RTP", "RTCP", "ICE"), "127.0.0.1", "192.0.2.2", 22,
                        List.of("rtcp-mux", "DTLS-SRTP", "ICE")),
                MediaReport.CALLEE, tag(MediaReport.CALLEE, List.of("RTP"), "127.0.0.1", "127.0.0.1", 20, List.of())));

        MediaReport report = MediaReport.of(answer);

        assertThat(report.streams()).hasSize(2);
        MediaReport.Stream browser = report.streams().get(0);
        assertThat(browser.side()).isEqualTo(MediaReport.CALLER);
        assertThat(browser.packetsReceived()).isEqualTo(22);
        assertThat(browser.packetsSent()).isEqualTo(20);
        assertThat(report.verdict()).isEqualTo(MediaReport.Verdict.OK);
    }

    @Test
    void shouldStillCallAPlainPhonesOtherSourceNat() {
        Map<String, Object> answer = Map.of("tags", Map.of(
                MediaReport.CALLER, tag(MediaReport.CALLER, List.of("RTP"), "10.0.0.23", "203.0.113.7", 22, List.of()),
                MediaReport.CALLEE, tag(MediaReport.CALLEE, List.of("RTP"), "198.51.100.9", "198.51.100.9", 20, List.of())));

        assertThat(MediaReport.of(answer).verdict()).isEqualTo(MediaReport.Verdict.NAT);
        assertThat(MediaReport.of(answer).streams()).extracting(MediaReport.Stream::packetsReceived).containsExactly(22L, 20L);
    }
}
