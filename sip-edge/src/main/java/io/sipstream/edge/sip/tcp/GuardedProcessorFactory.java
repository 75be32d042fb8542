package io.sipstream.edge.sip.tcp;

import gov.nist.javax.sip.SipStackImpl;
import gov.nist.javax.sip.stack.MessageProcessor;
import gov.nist.javax.sip.stack.NioMessageProcessorFactory;
import gov.nist.javax.sip.stack.SIPStackTimerTask;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import java.io.IOException;
import java.net.InetAddress;
import javax.sip.ListeningPoint;
import javax.sip.SipStack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's listening points (gov.nist.javax.sip.MESSAGE_PROCESSOR_FACTORY): JAIN-SIP's NIO ones,
 * TCP, TLS, WS and WSS (SIP over WebSocket, RFC 7118) under one {@link ConnectionGuard}. JAIN-SIP's default, blocking, processors take a
 * thread per connection, stop accepting at MAX_CONNECTIONS and never close a connection that
 * says nothing: one host could lock every TCP and TLS peer out. UDP is JAIN-SIP's own but for its receive loop
 * ({@link io.sipstream.edge.sip.ReusingUdpProcessor}), and pays nothing for the others. WebSocket connections count toward the same limits as TCP and TLS ones.
 *
 * <p>The stack creates its factory by class name; the limits come from the stack's properties
 * ({@link ConnectionLimits#addTo}), the guard is made with the first TCP or TLS listening point and
 * swept once a second on the stack's timer, and the edge finds it with {@link #guardOf}.
 */
public final class GuardedProcessorFactory extends NioMessageProcessorFactory {
    private static final Logger log = LoggerFactory.getLogger(GuardedProcessorFactory.class);
    private ConnectionGuard guard; // guarded by this

    /** For the stack, which creates its factory by class name. */
    public GuardedProcessorFactory() {}

    /** The guard of a stack created with this factory, or null (no TCP or TLS listening point yet, or another factory). */
    public static ConnectionGuard guardOf(SipStack stack) {
        return stack instanceof SIPTransactionStack s && s.getMessageProcessorFactory() instanceof GuardedProcessorFactory f ? f.guard() : null;
    }

    private synchronized ConnectionGuard guard() { return guard; }

    @Override
    public MessageProcessor createMessageProcessor(SIPTransactionStack stack, InetAddress address, int port, String transport)
            throws IOException {
        if (transport.equalsIgnoreCase(ListeningPoint.TCP)) return new GuardedTcpProcessor(address, stack, port, guard(stack));
        if (transport.equalsIgnoreCase(ListeningPoint.TLS)) return new GuardedTlsProcessor(address, stack, port, guard(stack));
        if (transport.equalsIgnoreCase("WS")) return new GuardedWsProcessor(address, stack, port, guard(stack));
        if (transport.equalsIgnoreCase("WSS")) return new GuardedWssProcessor(address, stack, port, guard(stack));
        if (transport.equalsIgnoreCase(ListeningPoint.UDP)) return io.sipstream.edge.sip.ReusingUdpProcessor.create(address, stack, port);
        return super.createMessageProcessor(stack, address, port, transport);
    }

    private synchronized ConnectionGuard guard(SIPTransactionStack stack) {
        if (guard == null) {
            guard = new ConnectionGuard(ConnectionLimits.from(((SipStackImpl) stack).getConfigurationProperties()));
            ConnectionGuard swept = guard;
            stack.getTimer().scheduleWithFixedDelay(new SIPStackTimerTask() {
                @Override
                public void runTask() {
                    try {
                        swept.sweep();
                    } catch (Throwable t) { // the timer is the stack's: a task that throws would stop every SIP timer
                        log.warn("sweeping SIP connections failed: {}", t.toString());
                    }
                }

                @Override
                public Object getThreadHash() { return null; }
            }, 1000, 1000);
        }
        return guard;
    }
}
