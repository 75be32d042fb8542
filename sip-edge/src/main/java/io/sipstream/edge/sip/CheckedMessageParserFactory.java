package io.sipstream.edge.sip;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPResponse;
import gov.nist.javax.sip.parser.MessageParser;
import gov.nist.javax.sip.parser.MessageParserFactory;
import gov.nist.javax.sip.parser.StringMsgParser;
import gov.nist.javax.sip.stack.MessageChannel;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import java.text.ParseException;
import javax.sip.SipStack;

/**
 * JAIN-SIP's message parser (gov.nist.javax.sip.MESSAGE_PARSER_FACTORY), counting what it cannot
 * use as {@link MalformedMessages}: a message that does not parse (the stack answers a request
 * 400, as before), and one that parses but lacks a header every message needs (From, To,
 * Call-ID, CSeq, Via) or has a status code past 699, which is dropped here. The stack logged each
 * of those at ERROR (two lines a datagram), before any rate limit could see it.
 *
 * <p>Every received message passes here, so the check is a few field reads; one factory per stack,
 * created by the stack by class name, found with {@link #of}. The stack's own re-parse of a finished transaction's
 * request, to remove it, reads the identifying headers only ({@link CleanUpReparse}).
 */
public final class CheckedMessageParserFactory implements MessageParserFactory {
    // stateless, and what JAIN-SIP's own factory hands every stack
    private static final StringMsgParser PARSER = new StringMsgParser();
    private final MalformedMessages malformed = new MalformedMessages();
    private final java.util.concurrent.atomic.LongAdder cleanUpParses = new java.util.concurrent.atomic.LongAdder();

    /** For the stack, which creates its parser factory by class name. */
    public CheckedMessageParserFactory() {}

    /** The factory of a stack created with {@link SipStackProperties}, or null. */
    public static CheckedMessageParserFactory of(SipStack stack) {
        return stack instanceof SIPTransactionStack s && s.getMessageParserFactory() instanceof CheckedMessageParserFactory f ? f : null;
    }

    public MalformedMessages malformed() { return malformed; }

    /** Finished transactions' requests parsed for their removal in part only (see {@link CleanUpReparse}). */
    public long cleanUpParses() { return cleanUpParses.sum(); }

    @Override
    public MessageParser createMessageParser(SIPTransactionStack stack) { return this::parse; }

    private SIPMessage parse(byte[] bytes, boolean readBody, boolean strict, gov.nist.javax.sip.parser.ParseExceptionListener listener)
            throws ParseException {
        // a stored request parsed again (no channel listener; a TCP connection's parser reads no body) may be the clean-up's
        if (listener == null && readBody && CleanUpReparse.isCleanUp()) {
            SIPMessage part = identifyingPart(bytes, strict);
            if (part != null) {
                cleanUpParses.increment();
                return part;
            }
        }
        SIPMessage message;
        try {
            message = PARSER.parseSIPMessage(bytes, readBody, strict, listener);
        } catch (ParseException e) {
            malformed.record(sender(listener), e.getMessage(), bytes);
            throw e;
        }
        if (message == null) return null; // keep-alive CRLFs
        String missing = message.getFrom() == null ? "From" : message.getTo() == null ? "To" : message.getCallId() == null ? "Call-ID"
                : message.getCSeq() == null ? "CSeq" : message.getViaHeaders() == null ? "Via" : null;
        if (missing != null) {
            malformed.record(sender(listener), "no " + missing + " header", bytes);
            return null; // the stack drops what parses to nothing, without a line of log
        }
        if (message instanceof SIPResponse r && r.getStatusCode() > 699) {
            malformed.record(sender(listener), "status code " + r.getStatusCode(), bytes);
            return null;
        }
        return message;
    }

    /** The clean-up's parse ({@link CleanUpReparse}), or null to parse the whole message as before. */
    private static SIPMessage identifyingPart(byte[] bytes, boolean strict) {
        try {
            SIPMessage m = PARSER.parseSIPMessage(CleanUpReparse.identifyingPart(bytes), false, strict, null);
            return m instanceof gov.nist.javax.sip.message.SIPRequest && m.getFrom() != null && m.getTo() != null
                    && m.getCallId() != null && m.getCSeq() != null && m.getViaHeaders() != null ? m : null;
        } catch (ParseException | RuntimeException e) {
            return null;
        }
    }

    private static String sender(Object listener) {
        try {
            return listener instanceof MessageChannel channel ? channel.getPeerAddress() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
