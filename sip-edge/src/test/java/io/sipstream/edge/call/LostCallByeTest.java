package io.sipstream.edge.call;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.edge.sip.SipEndpoint;
import io.sipstream.edge.sip.SipStackProperties;
import io.sipstream.edge.sip.tcp.ConnectionLimits;
import io.sipstream.edge.support.TestUserAgent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.ReasonHeader;
import javax.sip.header.RouteHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The BYE a restarted edge builds from a journalled dialog, without the dialog (RFC 3261 12.2.1.1). */
class LostCallByeTest {
    private static SipEndpoint sip;
    private static LostCallHangup hangup;

    @BeforeAll
    static void open() throws Exception {
        int port = TestUserAgent.freeUdpPort();
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("udp", port);
        ports.put("tcp", port);
        sip = SipEndpoint.open(new SipEndpoint.Spec("bye-test-" + System.nanoTime(), "127.0.0.1", "127.0.0.1", ports,
                SipStackProperties.build(new SipStackProperties.Limits(2, 16_384, 100, 100,
                        new ConnectionLimits(10, 10, Duration.ofSeconds(10), Duration.ofMinutes(1)), 65_536)), "sipstream"));
        hangup = new LostCallHangup(sip);
    }

    @AfterAll
    static void close() { sip.close(); }

    private static LegDialog leg(List<String> routes, String transport) {
        return new LegDialog("a-leg@phone", "edge-tag", "phone-tag", "<sip:+15557654321@sipstream.local>",
                "\"Alice\" <sip:alice@sipstream.local>", "sip:alice@192.0.2.7:5062", routes, 3, transport, null);
    }

    @Test
    void shouldAddressTheRemoteTargetThroughALooseRouteSetInTheDialogsOwnTerms() throws Exception {
        Request bye = hangup.bye(leg(List.of("<sip:p1.example;lr>", "<sip:p2.example;lr>"), "udp"));

        assertThat(bye.getMethod()).isEqualTo(Request.BYE);
        assertThat(bye.getRequestURI()).hasToString("sip:alice@192.0.2.7:5062");
        assertThat(routes(bye)).containsExactly("sip:p1.example;lr", "sip:p2.example;lr");
        assertThat(((CallIdHeader) bye.getHeader(CallIdHeader.NAME)).getCallId()).isEqualTo("a-leg@phone");
        assertThat(((FromHeader) bye.getHeader(FromHeader.NAME)).getTag()).isEqualTo("edge-tag");
        assertThat(((FromHeader) bye.getHeader(FromHeader.NAME)).getAddress().getURI()).hasToString("sip:+15557654321@sipstream.local");
        assertThat(((ToHeader) bye.getHeader(ToHeader.NAME)).getTag()).isEqualTo("phone-tag");
        assertThat(((ToHeader) bye.getHeader(ToHeader.NAME)).getAddress().getDisplayName()).isEqualTo("Alice");
        assertThat(((CSeqHeader) bye.getHeader(CSeqHeader.NAME)).getSeqNumber())
                .as("past the requests the edge may have sent in the dialog since the answer").isEqualTo(3 + LostCallHangup.CSEQ_JUMP);
        assertThat(((ReasonHeader) bye.getHeader(ReasonHeader.NAME)).getCause()).isEqualTo(503);
    }

    @Test
    void shouldPutAStrictRouterInTheRequestUriAndTheRemoteTargetLastInTheRoute() throws Exception {
        Request bye = hangup.bye(leg(List.of("<sip:strict.example>", "<sip:p2.example;lr>"), "udp"));

        assertThat(bye.getRequestURI()).hasToString("sip:strict.example");
        assertThat(routes(bye)).containsExactly("sip:p2.example;lr", "sip:alice@192.0.2.7:5062");
    }

    @Test
    void shouldReachATcpLegOverTcp() throws Exception {
        Request bye = hangup.bye(leg(List.of(), "tcp"));

        assertThat(bye.getRequestURI()).hasToString("sip:alice@192.0.2.7:5062;transport=tcp");
        assertThat(((ViaHeader) bye.getHeader(ViaHeader.NAME)).getTransport()).isEqualToIgnoringCase("tcp");
    }

    private static List<String> routes(Request r) {
        List<String> out = new ArrayList<>();
        for (ListIterator<?> it = r.getHeaders(RouteHeader.NAME); it.hasNext(); ) {
            out.add(((RouteHeader) it.next()).getAddress().getURI().toString());
        }
        return out;
    }
}
