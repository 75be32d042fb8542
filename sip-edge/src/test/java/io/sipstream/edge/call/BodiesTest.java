package io.sipstream.edge.call;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import javax.sip.SipFactory;
import javax.sip.header.HeaderFactory;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import org.junit.jupiter.api.Test;

class BodiesTest {
    private static final String OFFER = "v=0\r\no=alice-laptop 2890844526 2890844527 IN IP4 192.0.2.10\r\ns=Alice's call\r\n"
            + "c=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

    private static Request message(String type, String subtype, byte[] body) throws Exception {
        SipFactory f = SipFactory.getInstance();
        f.setPathName("gov.nist");
        MessageFactory messages = f.createMessageFactory();
        HeaderFactory headers = f.createHeaderFactory();
        Request r = messages.createRequest("INFO sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\n"
                + "From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: b1\r\nCSeq: 1 INFO\r\nMax-Forwards: 70\r\n\r\n");
        r.setContent(body, headers.createContentTypeHeader(type, subtype));
        return r;
    }

    private static Request copied(Request from) throws Exception {
        Request to = message("text", "plain", new byte[] {'x'});
        to.removeContent();
        Bodies.copy(from, to);
        return to;
    }

    @Test
    void shouldReplaceTheSdpOriginsUserNameAndLeaveTheRestAsThePeerSentIt() throws Exception {
        String out = new String(copied(message("application", "sdp", OFFER.getBytes(StandardCharsets.UTF_8))).getRawContent(),
                StandardCharsets.UTF_8);
        assertThat(out).isEqualTo(OFFER.replace("o=alice-laptop ", "o=- "));
        assertThat(out).as("session id and version as the peer sent them").contains("o=- 2890844526 2890844527 IN IP4 192.0.2.10\r\n");
    }

    @Test
    void shouldKeepAReOffersVersionRising() {
        byte[] first = Bodies.withoutOriginUser(OFFER.getBytes(StandardCharsets.UTF_8));
        byte[] second = Bodies.withoutOriginUser(OFFER.replace("2890844527", "2890844528").getBytes(StandardCharsets.UTF_8));
        assertThat(new String(first, StandardCharsets.UTF_8)).contains("o=- 2890844526 2890844527 ");
        assertThat(new String(second, StandardCharsets.UTF_8)).contains("o=- 2890844526 2890844528 ");
    }

    @Test
    void shouldLeaveOtherBodiesAndBytesItDoesNotRewriteUntouched() throws Exception {
        String dtmf = "Signal=5\r\nDuration=160\r\no=not an sdp line\r\n";
        assertThat(copied(message("application", "dtmf-relay", dtmf.getBytes(StandardCharsets.UTF_8))).getRawContent())
                .isEqualTo(dtmf.getBytes(StandardCharsets.UTF_8));
        byte[] latin1 = OFFER.replace("Alice's call", "Caf\u00e9").getBytes(StandardCharsets.ISO_8859_1); // not UTF-8
        assertThat(new String(Bodies.withoutOriginUser(latin1), StandardCharsets.ISO_8859_1))
                .isEqualTo(new String(latin1, StandardCharsets.ISO_8859_1).replace("o=alice-laptop ", "o=- "));
        byte[] anonymous = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n".getBytes(StandardCharsets.UTF_8);
        assertThat(Bodies.withoutOriginUser(anonymous)).isSameAs(anonymous);
    }
}
