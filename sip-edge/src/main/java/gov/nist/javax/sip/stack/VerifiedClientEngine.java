package gov.nist.javax.sip.stack;

import gov.nist.javax.sip.SipStackImpl;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * Gives a TLS connection the edge opens an engine that verifies the peer's name: JAIN-SIP (1.3.0-91) makes its client
 * engines without the peer's host and without endpoint identification, so any certificate a trusted CA signed, for
 * any host, passed. In JAIN-SIP's package because the engine and the client context are package-private there.
 */
public final class VerifiedClientEngine {
    private VerifiedClientEngine() {}

    /**
     * Replaces the channel's client engine (before its handshake) by one for {@code host}: the JDK checks the
     * certificate's names against it (RFC 6125, as HTTPS does; an IP literal against the IP addresses it names) and
     * sends it as SNI when it is a domain name.
     */
    public static void install(NioTlsMessageChannel channel, String host, int port) {
        NioTlsMessageProcessor processor = (NioTlsMessageProcessor) channel.getMessageProcessor();
        String name = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host; // an IPv6 literal
        SSLEngine engine = processor.sslClientCtx.createSSLEngine(name, port);
        engine.setUseClientMode(true);
        SSLParameters params = engine.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        params.setProtocols(((SipStackImpl) channel.getSIPStack()).getEnabledProtocols());
        engine.setSSLParameters(params);
        channel.sslStateMachine = new SSLStateMachine(engine, channel);
    }
}
