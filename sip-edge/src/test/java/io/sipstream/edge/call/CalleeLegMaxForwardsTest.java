package io.sipstream.edge.call;

import static org.assertj.core.api.Assertions.assertThat;

import javax.sip.SipFactory;
import javax.sip.message.Request;
import org.junit.jupiter.api.Test;

/** The B-leg's Max-Forwards ({@link CalleeLeg#maxForwards}): one less than the caller's, so a loop ends. */
class CalleeLegMaxForwardsTest {

    private static Request inviteWith(Integer maxForwards) throws Exception {
        SipFactory f = SipFactory.getInstance();
        f.setPathName("gov.nist");
        return f.createMessageFactory().createRequest("INVITE sip:+15557654321@127.0.0.1 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\n"
                + (maxForwards == null ? "" : "Max-Forwards: " + maxForwards + "\r\n")
                + "From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:+15557654321@127.0.0.1>\r\nCall-ID: mf-1\r\nCSeq: 1 INVITE\r\n\r\n");
    }

    @Test
    void shouldGoOutWithOneHopLessDownToNone() throws Exception {
        assertThat(CalleeLeg.maxForwards(inviteWith(70))).isEqualTo(69);
        assertThat(CalleeLeg.maxForwards(inviteWith(5))).isEqualTo(4);
        assertThat(CalleeLeg.maxForwards(inviteWith(1))).as("the last hop: none left, never reset to 1").isZero();
    }

    @Test
    void shouldStartAtSeventyWhenTheEdgeStartsTheLegOrTheCallerAllowedMore() throws Exception {
        assertThat(CalleeLeg.maxForwards(null)).as("a transfer's leg").isEqualTo(70);
        assertThat(CalleeLeg.maxForwards(inviteWith(null))).isEqualTo(70);
        assertThat(CalleeLeg.maxForwards(inviteWith(200))).isEqualTo(70);
    }
}
