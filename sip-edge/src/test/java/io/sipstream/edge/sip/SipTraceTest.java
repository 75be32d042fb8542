package io.sipstream.edge.sip;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sipstream.edge.support.EdgeFixture;
import io.sipstream.edge.support.SharedEdge;
import io.sipstream.edge.support.TestUserAgent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * The SIP message trace (SIPSTREAM_SIP_TRACE, docs/configuration.md) is one logger's level, taken at once
 * by a running edge: every message in and out, whole, without the stack's own debug chatter.
 */
@ExtendWith(SharedEdge.class)
class SipTraceTest {
    private final EdgeFixture edge;

    SipTraceTest(SharedEdge.Shared shared) { this.edge = shared.edge(); }

    @Test
    void shouldLogEveryMessageWholeOnlyWhileTheTraceIsOn() throws Exception {
        Logger messages = (Logger) LoggerFactory.getLogger(QuietServerLogger.LOGGER);
        Logger stack = (Logger) LoggerFactory.getLogger("gov.nist");
        ListAppender<ILoggingEvent> trace = new ListAppender<>();
        trace.start();
        messages.addAppender(trace);
        Level before = messages.getLevel();
        try (TestUserAgent phone = TestUserAgent.start("tracer")) {
            assertThat(phone.options(edge.uri("trace-off")).getStatusCode()).isEqualTo(200);
            assertThat(lines(trace)).as("off by default").isEmpty();

            messages.setLevel(Level.TRACE);
            assertThat(phone.options(edge.uri("trace-on")).getStatusCode()).isEqualTo(200);
            List<String> traced = lines(trace);
            String edgeAddress = "127.0.0.1:" + edge.sipPort;
            assertThat(traced).as("what the edge received and sent")
                    .anySatisfy(l -> assertThat(l).contains(" -> " + edgeAddress + "\nOPTIONS sip:trace-on@", "Call-ID:"))
                    .anySatisfy(l -> assertThat(l).startsWith(edgeAddress + " -> ").contains("SIP/2.0 200 OK"));
            assertThat(stack.isDebugEnabled()).as("the stack's own debug stays off").isFalse();
        } finally {
            messages.setLevel(before);
            messages.detachAppender(trace);
        }
    }

    private static List<String> lines(ListAppender<ILoggingEvent> appender) {
        synchronized (appender) {
            return new ArrayList<>(appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
        }
    }
}
