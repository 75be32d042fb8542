package io.sipstream.edge.sip;

import static org.assertj.core.api.Assertions.assertThat;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.parser.StringMsgParser;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.sip.ServerTransaction;
import org.junit.jupiter.api.Test;

class EarlyAcksTest {
    @Test
    void aNonInvites2xxIsToldFromItsResponseWithoutParsingTheTransactionsRequestAgain() throws Exception {
        SIPRequest bye = (SIPRequest) new StringMsgParser().parseSIPMessage(("BYE sip:alice@10.0.0.1 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK-1\r\n"
                + "From: <sip:bob@example.com>;tag=b1\r\n"
                + "To: <sip:alice@example.com>;tag=a1\r\n"
                + "Call-ID: c1\r\n"
                + "CSeq: 2 BYE\r\n"
                + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.UTF_8), true, false, null);
        List<String> asked = new ArrayList<>();
        // a finished non-INVITE transaction: getRequest would parse its bytes again
        ServerTransaction st = (ServerTransaction) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ServerTransaction.class}, (proxy, method, args) -> {
                    asked.add(method.getName());
                    return null;
                });

        new EarlyAcks().sent(st, bye.createResponse(200));

        assertThat(asked).doesNotContain("getRequest");
    }
}
