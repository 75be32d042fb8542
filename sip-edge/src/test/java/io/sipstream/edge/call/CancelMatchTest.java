package io.sipstream.edge.call;

import static org.assertj.core.api.Assertions.assertThat;

import javax.sip.SipFactory;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import org.junit.jupiter.api.Test;

/** Which CANCEL is for which INVITE (RFC 3261 9.1, 9.2): {@link CancelHandler#matches}. */
class CancelMatchTest {
    private static final String INVITE = "INVITE sip:+15557654321@127.0.0.1:5060 SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-inv1;rport\r\n"
            + "Max-Forwards: 70\r\nFrom: <sip:alice@sipstream.local>;tag=from1\r\nTo: <sip:+15557654321@127.0.0.1>\r\n"
            + "Call-ID: call-1@test\r\nCSeq: 2 INVITE\r\nContact: <sip:alice@127.0.0.1:5070>\r\nContent-Length: 0\r\n\r\n";

    /** The CANCEL a caller builds for the INVITE by RFC 3261 9.1: its Request-URI, Call-ID, From, To, CSeq number and top Via. */
    private static final String CANCEL = "CANCEL sip:+15557654321@127.0.0.1:5060 SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-inv1;rport\r\n"
            + "Max-Forwards: 70\r\nFrom: <sip:alice@sipstream.local>;tag=from1\r\nTo: <sip:+15557654321@127.0.0.1>\r\n"
            + "Call-ID: call-1@test\r\nCSeq: 2 CANCEL\r\nContent-Length: 0\r\n\r\n";

    private static Request parse(String text) throws Exception {
        SipFactory f = SipFactory.getInstance();
        f.setPathName("gov.nist");
        MessageFactory messages = f.createMessageFactory();
        return messages.createRequest(text);
    }

    private static boolean matches(String cancel) throws Exception { return CancelHandler.matches(parse(cancel), parse(INVITE)); }

    @Test
    void shouldMatchTheCancelItsCallerBuiltForIt() throws Exception {
        assertThat(matches(CANCEL)).isTrue();
    }

    @Test
    void shouldNotMatchACancelThatSharesOnlyTheCallId() throws Exception {
        assertThat(matches(CANCEL.replace("sip:+15557654321@127.0.0.1:5060 SIP", "sip:+15550000000@127.0.0.1:5060 SIP")))
                .as("another Request-URI").isFalse();
        assertThat(matches(CANCEL.replace("tag=from1", "tag=from2"))).as("another From tag").isFalse();
        assertThat(matches(CANCEL.replace("To: <sip:+15557654321@127.0.0.1>", "To: <sip:+15557654321@127.0.0.1>;tag=x")))
                .as("a To tag the INVITE did not have").isFalse();
        assertThat(matches(CANCEL.replace("CSeq: 2 CANCEL", "CSeq: 1 CANCEL"))).as("the CSeq of an earlier INVITE").isFalse();
        assertThat(matches(CANCEL.replace("branch=z9hG4bK-inv1", "branch=z9hG4bK-other"))).as("another branch").isFalse();
        assertThat(matches(CANCEL.replace("Via: SIP/2.0/UDP 127.0.0.1:5070", "Via: SIP/2.0/UDP 198.51.100.7:5070")))
                .as("the same branch sent by another host").isFalse();
        assertThat(matches(CANCEL.replace("Call-ID: call-1@test", "Call-ID: call-2@test"))).as("another Call-ID").isFalse();
    }
}
