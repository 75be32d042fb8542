package io.sipstream.edge.call;

import static org.assertj.core.api.Assertions.assertThat;

import javax.sip.SipFactory;
import javax.sip.message.Request;
import org.junit.jupiter.api.Test;

/** Where a carrier puts the number an inbound call is for. */
class CalledNumberTest {

    private static Request invite(String requestUser, String to, String... more) throws Exception {
        String text = "INVITE sip:" + requestUser + "@192.0.2.10:5060;line=abc SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-1\r\n"
                + "From: <sip:+15559990000@carrier.example>;tag=1\r\n"
                + "To: <sip:" + to + "@carrier.example>\r\n"
                + "Call-ID: called-number@test\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
                + String.join("", java.util.Arrays.stream(more).map(h -> h + "\r\n").toList())
                + "Content-Length: 0\r\n\r\n";
        return SipFactory.getInstance().createMessageFactory().createRequest(text);
    }

    @Test
    void shouldTakeTheRequestUriNumberFirst() throws Exception {
        assertThat(CalledNumber.of(invite("+15550001000", "+15550002000"))).isEqualTo("+15550001000");
        assertThat(CalledNumber.of(invite("15550001000", "edge-user"))).as("digits without +").isEqualTo("15550001000");
    }

    @Test
    void shouldFallBackToToThenPCalledPartyIdThenDiversionWhenTheRequestUriNamesTheRegistration() throws Exception {
        assertThat(CalledNumber.of(invite("edge-user", "+15550002000", "P-Called-Party-ID: <sip:+15550003000@carrier.example>")))
                .isEqualTo("+15550002000");
        assertThat(CalledNumber.of(invite("edge-user", "edge-user", "P-Called-Party-ID: <sip:+15550003000@carrier.example>",
                "Diversion: <sip:+15550004000@carrier.example>;reason=unconditional"))).isEqualTo("+15550003000");
        assertThat(CalledNumber.of(invite("edge-user", "edge-user", "Diversion: <tel:+15550004000>;reason=unconditional",
                "Diversion: <sip:+15550005000@carrier.example>;reason=user-busy"))).as("the top Diversion").isEqualTo("+15550004000");
    }

    @Test
    void shouldKeepTheRequestUriUserWhenNothingNamesANumber() throws Exception {
        assertThat(CalledNumber.of(invite("edge-user", "someone"))).isEqualTo("edge-user");
    }
}
