package io.sipstream.edge.sip;

import static org.assertj.core.api.Assertions.assertThat;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.parser.StringMsgParser;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A stateless answer's To tag is the same for a resend of its request and for the ACK of a non-2xx answer (same
 * Call-ID, From tag, branch and CSeq number, RFC 3261 17.1.1.3), so the listener knows that ACK; another request's
 * differs.
 */
class StatelessTagTest {

    private static SIPRequest parse(String method, String branch, String toTag) throws Exception {
        String text = method + " sip:+15557654321@127.0.0.1 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK" + branch + ";rport\r\n"
                + "From: <sip:alice@sipstream.local>;tag=from1\r\n"
                + "To: <sip:+15557654321@sipstream.local>" + (toTag == null ? "" : ";tag=" + toTag) + "\r\n"
                + "Call-ID: tag-test@127.0.0.1\r\n"
                + "CSeq: 1 " + method + "\r\n"
                + "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
        return (SIPRequest) new StringMsgParser().parseSIPMessage(text.getBytes(StandardCharsets.UTF_8), true, false, null);
    }

    @Test
    void shouldTagAResendAndTheAckOfTheAnswerAlikeAndAnotherRequestOtherwise() throws Exception {
        String tag = SipResponder.statelessTag(parse("INVITE", "b1", null));
        assertThat(SipResponder.statelessTag(parse("INVITE", "b1", null))).as("a resend").isEqualTo(tag);
        assertThat(SipResponder.statelessTag(parse("INVITE", "b2", null))).as("another transaction").isNotEqualTo(tag);

        assertThat(EdgeSipListener.isAckOfStatelessAnswer(parse("ACK", "b1", tag))).isTrue();
        assertThat(EdgeSipListener.isAckOfStatelessAnswer(parse("ACK", "b1", "someone-elses"))).isFalse();
        assertThat(EdgeSipListener.isAckOfStatelessAnswer(parse("ACK", "b2", tag))).as("another transaction's ACK").isFalse();
        assertThat(EdgeSipListener.isAckOfStatelessAnswer(parse("ACK", "b1", null))).isFalse();
    }
}
