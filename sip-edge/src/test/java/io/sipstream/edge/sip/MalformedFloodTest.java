package io.sipstream.edge.sip;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.SharedEdge;
import io.sipstream.edge.support.TestUserAgent;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/** A flood of malformed datagrams is counted, logged a line a second at most, and the edge keeps answering. */
@ExtendWith(SharedEdge.class)
class MalformedFloodTest {
    private final EdgeFixture edge;

    MalformedFloodTest(SharedEdge.Shared shared) { this.edge = shared.edge(); }

    private static String request(int port, int i, String callIdLine, String cseqLine) {
        return "OPTIONS sip:edge@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + port + ";branch=z9hG4bKmal" + i + "\r\n"
                + "From: <sip:m@x>;tag=m" + i + "\r\nTo: <sip:edge@127.0.0.1>\r\n" + callIdLine + cseqLine
                + "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    }

    private long malformedCount() {
        Matcher m = Pattern.compile("(?m)^sipstream_edge_sip_malformed_total(?:\\{[^}]*})? (\\S+)$").matcher(edge.ctx.metrics().scrape());
        return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
    }

    @Test
    void shouldCountMalformedDatagramsAndLogOnlyASampleOfThem() throws Exception {
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        long before = malformedCount();
        assertThat(before).as("the metric is registered").isGreaterThanOrEqualTo(0);
        int sent = 0;
        long started = System.nanoTime();
        root.addAppender(logged);
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            int port = socket.getLocalPort();
            for (int i = 0; i < 600; i++) {
                String text = switch (i % 3) {
                    case 0 -> request(port, i, "", "CSeq: 1 OPTIONS\r\n");                                  // no Call-ID: parses, unusable
                    case 1 -> request(port, i, "Call-ID: mal-" + i + "\r\n", "CSeq: one OPTIONS\r\n");    // does not parse: 400
                    default -> "\u0001\u0002garbage " + i + "\r\n\r\n";                                     // not SIP at all
                };
                byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
                socket.send(new DatagramPacket(b, b.length, InetAddress.getLoopbackAddress(), edge.sipPort));
                sent++;
                if (i % 20 == 19) Thread.sleep(5); // a flood the kernel's queue holds: every datagram reaches the edge
            }
            int total = sent;
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> malformedCount() - before >= total);
        } finally {
            root.detachAppender(logged);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        // the root logger hears the whole JVM: on a loaded machine the edge may rightly warn of other things meanwhile (a
        // SIP queue's delay, say), so the sample is counted by its logger, and no other line may be about a datagram
        List<String> loud = logged.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage()).toList();
        List<String> sample = loud.stream().filter(line -> line.startsWith(MalformedMessages.class.getName() + ":")).toList();
        assertThat(sample).as("%d malformed datagrams in %.1f s", sent, seconds)
                .hasSizeLessThanOrEqualTo((int) Math.ceil(seconds) + 1);
        assertThat(loud).as("lines from elsewhere than the sample").filteredOn(line -> !sample.contains(line))
                .noneMatch(line -> line.contains("garbage") || line.contains("z9hG4bKmal") || line.contains("mal-"))
                .hasSizeLessThan(sent / 20);

        // ... and well-formed requests are still answered
        try (TestUserAgent ua = TestUserAgent.start("after-malformed")) {
            assertThat(ua.options("sip:edge@127.0.0.1:" + edge.sipPort).getStatusCode()).isEqualTo(200);
        }
    }
}
