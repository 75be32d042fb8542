package io.sipstream.edge.sip;

import gov.nist.core.ServerLogger;
import gov.nist.javax.sip.message.SIPMessage;
import java.util.Properties;
import javax.sip.SipStack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stack's message log: off unless {@value #LOGGER} is at TRACE ({@code SIPSTREAM_SIP_TRACE=on},
 * docs/configuration.md), where each SIP message in and out is logged whole (for debugging a peer,
 * never in production: every message, digest responses and SDP included).
 */
public final class QuietServerLogger implements ServerLogger {
    static final String LOGGER = "gov.nist.javax.sip.messages";
    private static final Logger log = LoggerFactory.getLogger(LOGGER);

    @Override public void closeLogFile() {}

    @Override
    public void logMessage(SIPMessage message, String from, String to, boolean sender, long time) {
        // from and to are the sender's and the receiver's addresses; the stack's sender flag is not reliable (a response it
        // sends comes as received)
        if (log.isTraceEnabled()) log.trace("{} -> {}\n{}", from, to, message.encode());
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
