package io.sipstream.edge.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sipstream.edge.media.ng.NgClient;
import io.sipstream.edge.media.ng.RtpEngines;
import io.sipstream.localstack.RtpEngineServer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The ng client and a call's anchor against the real rtpengine (Debian's rtpengine-daemon; CI installs it: no skip). */
class MediaAnchorRtpEngineTest {
    private static RtpEngineServer rtpengine;

    @BeforeAll
    static void start() throws Exception { rtpengine = RtpEngineServer.start(Files.createTempDirectory("rtpengine-ng")); }

    @AfterAll
    static void stop() { if (rtpengine != null) rtpengine.close(); }

    private static RtpEngines engines(InetSocketAddress... extraFirst) {
        List<NgClient> clients = new java.util.ArrayList<>();
        for (InetSocketAddress a : extraFirst) clients.add(new NgClient(a, Duration.ofMillis(150), 0));
        clients.add(new NgClient(new InetSocketAddress("127.0.0.1", rtpengine.ngPort()), Duration.ofMillis(500), 1));
        return new RtpEngines(clients);
    }

    private static String sdp(String address, int port) {
        return "v=0\r\no=phone 1 1 IN IP4 " + address + "\r\ns=-\r\nc=IN IP4 " + address + "\r\nt=0 0\r\n"
                + "m=audio " + port + " RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n";
    }

    @Test
    void shouldRelayBothSidesAndReportWhatFlowed() throws Exception {
        try (DatagramSocket phone = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             DatagramSocket carrier = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            MediaAnchor anchor = new MediaRelay(engines(), Duration.ofMinutes(1)).anchor("anchor-test-" + System.nanoTime());

            // the offer: the carrier gets the relay's address in c= and o=, the codecs and telephone-event as offered
            String offer = new String(anchor.offer(sdp("127.0.0.1", phone.getLocalPort()).getBytes(StandardCharsets.ISO_8859_1),
                    "127.0.0.1", LegProfile.RTP), StandardCharsets.ISO_8859_1);
            assertThat(offer).contains("c=IN IP4 127.0.0.1").contains("a=rtpmap:101 telephone-event/8000").contains("RTP/AVP 0 101");
            int towardCarrier = Sdp.audioPort(offer.getBytes(StandardCharsets.ISO_8859_1));
            assertThat(towardCarrier).isNotEqualTo(phone.getLocalPort()).isBetween(rtpengine.portMin(), rtpengine.portMax());
            String answer = new String(anchor.answer(sdp("127.0.0.1", carrier.getLocalPort()).getBytes(StandardCharsets.ISO_8859_1),
                    LegProfile.RTP), StandardCharsets.ISO_8859_1);
            int towardPhone = Sdp.audioPort(answer.getBytes(StandardCharsets.ISO_8859_1));
            assertThat(anchor.query().verdict()).isEqualTo(MediaReport.Verdict.NO_MEDIA);

            // RTP from each side to the port the relay gave it reaches the other side
            send(phone, towardPhone, 5);
            send(carrier, towardCarrier, 3);
            assertThat(receive(carrier)).as("the phone's RTP at the carrier").isTrue();
            assertThat(receive(phone)).as("the carrier's RTP at the phone").isTrue();

            MediaReport seen = await().atMost(Duration.ofSeconds(10)).until(anchor::query,
                    r -> r.streams().stream().allMatch(s -> s.packetsReceived() > 0));
            assertThat(seen.verdict()).isEqualTo(MediaReport.Verdict.OK);
            MediaReport.Stream fromPhone = seen.streams().get(0);
            assertThat(fromPhone.side()).isEqualTo(MediaReport.CALLER);
            assertThat(fromPhone.packetsReceived()).isEqualTo(5);
            assertThat(fromPhone.packetsSent()).isEqualTo(3);
            assertThat(fromPhone.source()).isEqualTo("127.0.0.1:" + phone.getLocalPort());

            assertThat(anchor.delete().verdict()).isEqualTo(MediaReport.Verdict.OK);
        }
    }

    @Test
    void shouldAnchorOnTheInstanceThatAnswersAndStayOnIt() throws Exception {
        InetSocketAddress nobody;
        try (DatagramSocket closed = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            nobody = new InetSocketAddress(InetAddress.getLoopbackAddress(), closed.getLocalPort());
        }
        RtpEngines engines = engines(nobody);
        MediaAnchor anchor = new MediaRelay(engines, Duration.ofMinutes(1)).anchor("sticky-" + System.nanoTime());
        // whichever instance round robin offers first, the offer ends on the one that answers
        for (int i = 0; i < 2; i++) {
            MediaAnchor a = i == 0 ? anchor : new MediaAnchor(engines, "sticky-" + i + "-" + System.nanoTime());
            a.offer(sdp("127.0.0.1", 40_000).getBytes(StandardCharsets.ISO_8859_1), "127.0.0.1", LegProfile.RTP);
            assertThat(a.instance()).isEqualTo("udp:127.0.0.1:" + rtpengine.ngPort());
            a.delete();
        }
        assertThat(engines.instances().get(0).up()).as("the silent instance is skipped from now").isFalse();
        assertThat(engines.forNewCall()).hasSize(1);
    }

    private static void send(DatagramSocket from, int port, int packets) throws Exception {
        for (int seq = 0; seq < packets; seq++) {
            byte[] rtp = new byte[12 + 160];
            rtp[0] = (byte) 0x80;
            rtp[3] = (byte) seq;
            rtp[11] = 7; // SSRC
            from.send(new DatagramPacket(rtp, rtp.length, InetAddress.getLoopbackAddress(), port));
        }
    }

    private static boolean receive(DatagramSocket at) throws Exception {
        at.setSoTimeout(5000);
        byte[] buffer = new byte[2048];
        at.receive(new DatagramPacket(buffer, buffer.length));
        return true;
    }
}
