package io.sipstream.edge.call;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.edge.call.Identities.Presentation;
import javax.sip.SipFactory;
import javax.sip.message.Request;
import org.junit.jupiter.api.Test;

/** How a dialled leg presents its caller ({@link Identities#presentation}, RFC 3323 and 3325). */
class IdentitiesTest {

    private static Request inviteWith(String privacyHeaders) throws Exception {
        SipFactory f = SipFactory.getInstance();
        f.setPathName("gov.nist");
        return f.createMessageFactory().createRequest("INVITE sip:+15557654321@127.0.0.1 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\nMax-Forwards: 70\r\n"
                + "From: <sip:alice@127.0.0.1>;tag=1\r\nTo: <sip:+15557654321@127.0.0.1>\r\nCall-ID: id-1\r\nCSeq: 1 INVITE\r\n"
                + privacyHeaders + "\r\n");
    }

    @Test
    void shouldShowTheChosenCallerIdWhenTheCallerAsksForNoPrivacy() throws Exception {
        Presentation plain = new Presentation("+15551230001", "+15551230001", false);
        assertThat(Identities.presentation("+15551230001", inviteWith(""), true)).isEqualTo(plain);
        assertThat(Identities.presentation("+15551230001", inviteWith("Privacy: none\r\n"), true)).isEqualTo(plain);
        assertThat(Identities.presentation("+15551230001", inviteWith("Privacy: session\r\n"), false)).isEqualTo(plain);
        assertThat(Identities.presentation("+15551230001", null, true)).as("a transfer's leg").isEqualTo(plain);
    }

    @Test
    void shouldHideTheCallerFromTheCalleeButAssertItToTheTrunkWhenTheCallerAsksForPrivacy() throws Exception {
        Presentation toTrunk = new Presentation(null, "+15551230001", true);
        assertThat(Identities.presentation("+15551230001", inviteWith("Privacy: id\r\n"), true)).isEqualTo(toTrunk);
        assertThat(Identities.presentation("+15551230001", inviteWith("Privacy: header;ID\r\n"), true)).isEqualTo(toTrunk);
        assertThat(Identities.presentation("+15551230001", inviteWith("Privacy: user\r\n"), true)).isEqualTo(toTrunk);
        assertThat(Identities.presentation("+15551230001", inviteWith("Privacy: none\r\nPrivacy: id\r\n"), true)).isEqualTo(toTrunk);
        assertThat(Identities.presentation("+15551230001", inviteWith("Privacy: id\r\n"), false))
                .as("a phone or an outside URI is outside the trust domain: no asserted identity")
                .isEqualTo(new Presentation(null, null, true));
    }

    @Test
    void shouldGoOutAnonymousWithoutAChosenCallerId() throws Exception {
        assertThat(Identities.presentation(null, inviteWith(""), true)).isEqualTo(new Presentation(null, null, true));
        assertThat(Identities.presentation(null, inviteWith("Privacy: id\r\n"), true)).isEqualTo(new Presentation(null, null, true));
    }

    @Test
    void shouldNeverWithholdAnEmergencyCallsCallBackNumber() throws Exception {
        Presentation shown = new Presentation("+15551230001", "+15551230001", false);
        assertThat(Identities.presentation("+15551230001", inviteWith("Privacy: id\r\n"), true, true)).isEqualTo(shown);
        assertThat(Identities.presentation("+15551230001", inviteWith("Privacy: user\r\n"), false, true)).isEqualTo(shown);
        assertThat(Identities.presentation(null, inviteWith(""), true, true))
                .as("no number owned: still nothing the edge did not choose").isEqualTo(new Presentation(null, null, true));
    }
}
