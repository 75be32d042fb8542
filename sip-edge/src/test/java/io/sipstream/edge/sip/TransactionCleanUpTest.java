package io.sipstream.edge.sip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import gov.nist.javax.sip.stack.SIPTransactionStack;
import io.sipstream.edge.sip.tcp.ConnectionLimits;
import io.sipstream.edge.support.TestUserAgent;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sip.ClientTransaction;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipListener;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.MaxForwardsHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The edge's stack (its properties, parser and timer) still absorbs a retransmission while a finished transaction
 * lingers and still forgets the transaction when its timer fires, now that the removal's re-parse reads only the
 * identifying headers ({@link CleanUpReparse}); a later getRequest still sees the whole request.
 */
class TransactionCleanUpTest {
    private static final int SHORT_T1 = 16; // Timer J and K come after 64 and 10 of these, as for the edge's BYEs

    private SipEndpoint sip;
    private final AtomicInteger requestsHeard = new AtomicInteger();
    private final List<ServerTransaction> answered = new CopyOnWriteArrayList<>();
    private final List<Response> responses = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() throws Exception {
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("udp", TestUserAgent.freeUdpPort());
        sip = SipEndpoint.open(new SipEndpoint.Spec("cleanup-test-" + System.nanoTime(), "127.0.0.1", "127.0.0.1", ports,
                SipStackProperties.build(new SipStackProperties.Limits(2, 16_384, 100, 100,
                        new ConnectionLimits(10, 10, Duration.ofSeconds(10), Duration.ofMinutes(1)), 65_536)), "sipstream"));
        sip.start(new Listener());
    }

    @AfterEach
    void close() { sip.close(); }

    @Test
    void aFinishedServerTransactionAbsorbsARetransmissionAndIsRemovedAfterTimerJ() throws Exception {
        try (var peer = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            String options = options(peer.getLocalPort());
            assertThat(exchange(peer, options)).startsWith("SIP/2.0 200");
            assertThat(exchange(peer, options)).as("the retransmission's answer, resent by the transaction").startsWith("SIP/2.0 200");
            assertThat(requestsHeard).as("the listener heard the request once").hasValue(1);

            await().atMost(Duration.ofSeconds(20)).until(() -> stack().getServerTransactionTableSize() == 0);
            assertThat(parser().cleanUpParses()).as("the removal parsed the identifying part").isGreaterThanOrEqualTo(1);
            Request later = answered.getFirst().getRequest();
            assertThat(later.getHeader(MaxForwardsHeader.NAME)).as("getRequest after the removal parses the whole request").isNotNull();
            assertThat(new String(later.getRawContent(), StandardCharsets.UTF_8)).isEqualTo("hello");
            assertThat(requestsHeard).hasValue(1);
        }
    }

    @Test
    void aFinishedClientTransactionIsRemovedAfterTimerK() throws Exception {
        try (var peer = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            peer.setSoTimeout(10_000);
            Request options = outgoingOptions(peer.getLocalPort());
            ClientTransaction ct = sip.provider().getNewClientTransaction(options);
            ct.setRetransmitTimer(SHORT_T1);
            ct.sendRequest();
            byte[] in = new byte[65_535];
            DatagramPacket p = new DatagramPacket(in, in.length);
            peer.receive(p);
            byte[] ok = okFor(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
            peer.send(new DatagramPacket(ok, ok.length, InetAddress.getLoopbackAddress(), sip.port("udp")));

            await().atMost(Duration.ofSeconds(10)).until(() -> responses.size() == 1);
            long before = parser().cleanUpParses();
            await().atMost(Duration.ofSeconds(20)).until(() -> stack().getClientTransactionTableSize() == 0);
            await().atMost(Duration.ofSeconds(5)).until(() -> parser().cleanUpParses() > before);
            assertThat(ct.getRequest().getHeader(MaxForwardsHeader.NAME)).isNotNull();
        }
    }

    private SIPTransactionStack stack() { return (SIPTransactionStack) sip.stack(); }

    private CheckedMessageParserFactory parser() { return CheckedMessageParserFactory.of(sip.stack()); }

    /** Sends the text and returns the status line of the answer. */
    private String exchange(DatagramSocket peer, String text) throws Exception {
        byte[] out = text.getBytes(StandardCharsets.UTF_8);
        peer.send(new DatagramPacket(out, out.length, InetAddress.getLoopbackAddress(), sip.port("udp")));
        peer.setSoTimeout(10_000);
        byte[] in = new byte[65_535];
        DatagramPacket p = new DatagramPacket(in, in.length);
        try {
            peer.receive(p);
        } catch (SocketTimeoutException e) {
            return "";
        }
        String answer = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
        return answer.substring(0, answer.indexOf("\r\n"));
    }

    private String options(int peerPort) {
        return "OPTIONS sip:edge@127.0.0.1:" + sip.port("udp") + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + peerPort + ";branch=z9hG4bK-cleanup-" + System.nanoTime() + "\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:peer@127.0.0.1>;tag=p1\r\n"
                + "To: <sip:edge@127.0.0.1>\r\n"
                + "Call-ID: cleanup-" + System.nanoTime() + "\r\n"
                + "CSeq: 1 OPTIONS\r\n"
                + "Content-Type: text/plain\r\n"
                + "Content-Length: 5\r\n\r\nhello";
    }

    private Request outgoingOptions(int peerPort) throws Exception {
        var target = sip.addresses().createSipURI("peer", "127.0.0.1");
        target.setPort(peerPort);
        var from = sip.headers().createFromHeader(sip.addresses().createAddress(sip.uri("edge", "udp")), "e1");
        var to = sip.headers().createToHeader(sip.addresses().createAddress(target), null);
        CallIdHeader callId = sip.provider().getNewCallId();
        CSeqHeader cseq = sip.headers().createCSeqHeader(1L, Request.OPTIONS);
        return sip.messages().createRequest(target, Request.OPTIONS, callId, cseq, from, to,
                new java.util.ArrayList<>(List.of(sip.via("udp"))), sip.headers().createMaxForwardsHeader(70));
    }

    /** A 200 to a request: its Via, From, To (tagged), Call-ID and CSeq lines copied. */
    private static String okFor(String request) {
        StringBuilder ok = new StringBuilder("SIP/2.0 200 OK\r\n");
        for (String line : request.split("\r\n")) {
            String name = line.contains(":") ? line.substring(0, line.indexOf(':')).trim().toLowerCase() : "";
            switch (name) {
                case "via", "from", "call-id", "cseq" -> ok.append(line).append("\r\n");
                case "to" -> ok.append(line).append(";tag=peer1\r\n");
                default -> {}
            }
        }
        return ok.append("Content-Length: 0\r\n\r\n").toString();
    }

    private final class Listener implements SipListener {
        @Override
        public void processRequest(RequestEvent event) {
            requestsHeard.incrementAndGet();
            try {
                ServerTransaction st = sip.provider().getNewServerTransaction(event.getRequest());
                st.setRetransmitTimer(SHORT_T1);
                st.sendResponse(sip.messages().createResponse(Response.OK, event.getRequest()));
                answered.add(st);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override public void processResponse(ResponseEvent event) { responses.add(event.getResponse()); }
        @Override public void processTimeout(TimeoutEvent event) {}
        @Override public void processIOException(IOExceptionEvent event) {}
        @Override public void processTransactionTerminated(TransactionTerminatedEvent event) {}
        @Override public void processDialogTerminated(DialogTerminatedEvent event) {}
    }
}
