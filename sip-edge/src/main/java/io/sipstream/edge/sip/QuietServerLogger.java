package io.sipstream.edge.sip;

import gov.nist.core.ServerLogger;
import gov.nist.javax.sip.message.SIPMessage;
import java.util.Properties;
import javax.sip.SipStack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stack's message log: off unless {@code gov.nist.javax.sip.messages} is at TRACE, where each
 * SIP message in and out is logged whole (for debugging a peer, never in production).
 */
public final class QuietServerLogger implements ServerLogger {
    private static final Logger log = LoggerFactory.getLogger("gov.nist.javax.sip.messages");

    @Override public void closeLogFile() {}

    @Override
    public void logMessage(SIPMessage message, String from, String to, boolean sender, long time) {
        if (log.isTraceEnabled()) log.trace("{} {} -> {}\n{}", sender ? "sent" : "received", from, to, message.encode());
    }

    @Override
    public void logMessage(SIPMessage message, String from, String to, String status, boolean sender, long time) {
        logMessage(message, from, to, sender, time);
    }

    @Override
    public void logMessage(SIPMessage message, String from, String to, String status, boolean sender) {
        logMessage(message, from, to, sender, 0);
    }

    @Override public void logException(Exception ex) { log.debug("SIP message exception", ex); }
    @Override public void setStackProperties(Properties stackProperties) {}
    @Override public void setSipStack(SipStack sipStack) {}
}
