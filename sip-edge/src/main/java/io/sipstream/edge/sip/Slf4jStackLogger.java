package io.sipstream.edge.sip;

import gov.nist.core.StackLogger;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JAIN-SIP's logger bridged to slf4j (logger {@code gov.nist.javax.sip}), so the stack needs no
 * log4j and its chatter obeys the process' logging configuration. Debug and trace are off unless
 * the slf4j logger enables them: the stack builds costly strings when it believes they are wanted.
 */
public final class Slf4jStackLogger implements StackLogger {
    private static final Logger log = LoggerFactory.getLogger("gov.nist.javax.sip");
    /** The stack hands its message log ({@link QuietServerLogger}) only what it asks this logger for at TRACE_MESSAGES. */
    private static final Logger messages = LoggerFactory.getLogger(QuietServerLogger.LOGGER);

    private static final int MAX = 300;

    /** The stack puts whole (possibly hostile, 64 KB) packets in its error messages: one line of them is enough. */
    static String clip(String message) {
        if (message == null || message.length() <= MAX) return message;
        return message.substring(0, MAX) + "... (" + message.length() + " chars)";
    }

    @Override public void logStackTrace() {}
    @Override public void logStackTrace(int traceLevel) {}
    @Override public int getLineCount() { return 0; }
    @Override public void logException(Throwable ex) { log.warn("SIP stack exception", ex); }
    @Override public void logDebug(String message) { log.debug(message); }
    @Override public void logDebug(String message, Exception ex) { log.debug(message, ex); }
    @Override public void logTrace(String message) { log.trace(message); }
    @Override public void logFatalError(String message) { log.error(clip(message)); }
    @Override public void logError(String message) { log.error(clip(message)); }
    @Override public boolean isLoggingEnabled() { return log.isErrorEnabled(); }

    @Override
    public boolean isLoggingEnabled(int logLevel) {
        // the message trace (SIPSTREAM_SIP_TRACE) without the stack's own debug chatter
        if (logLevel == TRACE_MESSAGES && messages.isTraceEnabled()) return true;
        if (logLevel >= TRACE_DEBUG) return log.isDebugEnabled();
        if (logLevel >= TRACE_WARN) return log.isDebugEnabled();
        return log.isErrorEnabled();
    }

    @Override public void logError(String message, Exception ex) { log.error(clip(message), ex); }
    // the stack warns about routine things (TLS defaults when TLS is off): only its errors reach the log at their level
    @Override public void logWarning(String message) { log.debug(message); }
    @Override public void logInfo(String message) { log.debug(message); }
    @Override public void disableLogging() {}
    @Override public void enableLogging() {}
    @Override public void setBuildTimeStamp(String buildTimeStamp) {}
    @Override public void setStackProperties(Properties stackProperties) {}
    @Override public String getLoggerName() { return "gov.nist.javax.sip"; }
}
