package io.sipstream.edge.sip;

import static org.assertj.core.api.Assertions.assertThat;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.parser.StringMsgParser;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CleanUpReparseTest {
    private static final String BYE = "BYE sip:alice@10.0.0.1:5060 SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK-1\r\n"
            + "v: SIP/2.0/UDP 10.0.0.3:5060\r\n ;branch=z9hG4bK-2\r\n"
            + "Max-Forwards: 69\r\n"
            + "f: <sip:bob@example.com>;tag=b1\r\n"
            + "To : <sip:alice@example.com>;tag=a1\r\n"
            + "Call-ID: c1@10.0.0.2\r\n"
            + "CSeq: 2 BYE\r\n"
            + "Reason: Q.850;cause=16\r\n"
            + "Content-Type: text/plain\r\n"
            + "Content-Length: 4\r\n\r\nbody";

    @Test
    void keepsTheStartLineAndTheIdentifyingHeadersWithTheirFoldedLinesAndNoBody() {
        String part = new String(CleanUpReparse.identifyingPart(BYE.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        assertThat(part).isEqualTo("BYE sip:alice@10.0.0.1:5060 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK-1\r\n"
                + "v: SIP/2.0/UDP 10.0.0.3:5060\r\n ;branch=z9hG4bK-2\r\n"
                + "f: <sip:bob@example.com>;tag=b1\r\n"
                + "To : <sip:alice@example.com>;tag=a1\r\n"
                + "Call-ID: c1@10.0.0.2\r\n"
                + "CSeq: 2 BYE\r\n\r\n");
    }

    @Test
    void aRequestWithBareLineFeedsKeepsItsHeaders() {
        String part = new String(CleanUpReparse.identifyingPart(BYE.replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8);
        assertThat(part).startsWith("BYE sip:alice@10.0.0.1:5060 SIP/2.0\r\n").contains("CSeq: 2 BYE\r\n").doesNotContain("Reason");
    }

    @Test
    void thePartGivesTheTransactionTheSameIdsAsTheWholeRequest() throws Exception {
        StringMsgParser parser = new StringMsgParser();
        SIPRequest whole = (SIPRequest) parser.parseSIPMessage(BYE.getBytes(StandardCharsets.UTF_8), true, false, null);
        SIPRequest part = (SIPRequest) parser.parseSIPMessage(CleanUpReparse.identifyingPart(BYE.getBytes(StandardCharsets.UTF_8)),
                false, false, null);
        assertThat(part.getMergeId()).isEqualTo(whole.getMergeId()).isNotNull();
        assertThat(part.getTopmostVia().getBranch()).isEqualTo(whole.getTopmostVia().getBranch());
        assertThat(part.getViaHeaders().size()).isEqualTo(2);
        assertThat(part.getTransactionId()).isEqualTo(whole.getTransactionId());
        assertThat(part.getDialogId(true)).isEqualTo(whole.getDialogId(true));
        assertThat(part.getHeader("Reason")).isNull();
    }

    @Test
    void anyOtherParseOfStoredBytesIsWhole() throws Exception {
        // here the caller is a test, as it is JAIN-SIP's getRequest (or anything else) outside the removal
        assertThat(CleanUpReparse.isCleanUp()).isFalse();
        var message = new CheckedMessageParserFactory().createMessageParser(null)
                .parseSIPMessage(BYE.getBytes(StandardCharsets.UTF_8), true, false, null);
        assertThat(message.getHeader("Reason")).isNotNull();
        assertThat(new String(message.getRawContent(), StandardCharsets.UTF_8)).isEqualTo("body");
    }
}
