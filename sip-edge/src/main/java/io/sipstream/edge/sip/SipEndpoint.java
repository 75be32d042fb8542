package io.sipstream.edge.sip;

import gov.nist.core.CommonLogger;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import javax.sip.InvalidArgumentException;
import javax.sip.ListeningPoint;
import javax.sip.SipFactory;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.SipStack;
import javax.sip.address.Address;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.header.ContactHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ViaHeader;
import javax.sip.message.MessageFactory;

/**
 * One JAIN-SIP stack with its listening points and provider, and the factories every SIP class
 * of the edge uses. Peers reach the edge at the advertised host, which goes into Via and Contact.
 */
public final class SipEndpoint implements AutoCloseable {
    private final SipStack stack;
    private final SipProvider provider;
    private final MessageFactory messages;
    private final HeaderFactory headers;
    private final AddressFactory addresses;
    private final String advertisedHost;
    private final Map<String, Integer> ports;
    private final String userPart;
    private final EarlyAcks earlyAcks = new EarlyAcks();

    private SipEndpoint(SipStack stack, SipProvider provider, SipFactory factory, String advertisedHost,
                        Map<String, Integer> ports, String userPart) throws javax.sip.PeerUnavailableException {
        this.stack = stack;
        this.provider = provider;
        this.messages = factory.createMessageFactory();
        this.headers = factory.createHeaderFactory();
        this.addresses = factory.createAddressFactory();
        this.advertisedHost = advertisedHost;
        this.ports = Map.copyOf(ports);
        this.userPart = userPart;
    }

    /** What an endpoint is made of; {@link SipStackProperties} holds the stack's limits. */
    public record Spec(String stackName, String bindHost, String advertisedHost, Map<String, Integer> transportPorts,
                       Properties stackProperties, String contactUser) {}

    static {
        // The stack logs through CommonLogger before STACK_LOGGER is read; without this it would reach for log4j.
        CommonLogger.useLegacyLogger = true;
        CommonLogger.legacyLogger = new Slf4jStackLogger();
    }

    /** Creates the stack and binds every listening point; {@link #start} attaches the listener. */
    public static SipEndpoint open(Spec spec) throws Exception {
        SipFactory factory = SipFactory.getInstance();
        factory.setPathName("gov.nist");
        Properties props = new Properties();
        props.putAll(spec.stackProperties());
        props.setProperty("javax.sip.STACK_NAME", spec.stackName());
        SipStack stack = factory.createSipStack(props);
        List<ListeningPoint> points = new ArrayList<>();
        Map<String, Integer> bound = new LinkedHashMap<>();
        try {
            for (var e : spec.transportPorts().entrySet()) {
                ListeningPoint lp = stack.createListeningPoint(spec.bindHost(), e.getValue(), e.getKey());
                points.add(lp);
                bound.put(e.getKey().toLowerCase(Locale.ROOT), lp.getPort());
            }
            SipProvider provider = stack.createSipProvider(points.getFirst());
            for (int i = 1; i < points.size(); i++) provider.addListeningPoint(points.get(i));
            return new SipEndpoint(stack, provider, factory, spec.advertisedHost(), bound, spec.contactUser());
        } catch (Exception e) {
            stack.stop();
            throw e;
        }
    }

    /** Attaches the listener and starts the stack. */
    public void start(SipListener listener) throws Exception {
        provider.addSipListener(listener);
        stack.start();
    }

    /** Sends every request of a call (by Call-ID) to this address, whatever its URIs say; see {@link EdgeRouter}. */
    public void pin(String callId, String host, int port, String transport) {
        if (router() instanceof EdgeRouter r) r.pin(callId, host, port, transport);
    }

    public void unpin(String callId) {
        if (router() instanceof EdgeRouter r) r.unpin(callId);
    }

    /** How many calls are pinned (for tests: none is left behind). */
    public int pinnedCalls() { return router() instanceof EdgeRouter r ? r.pinnedCount() : 0; }

    private javax.sip.address.Router router() { return ((gov.nist.javax.sip.SipStackImpl) stack).getRouter(); }

    /**
     * Sends a request or response to this hop as it is, without a transaction (RFC 3261 16.11: a stateless proxy's forward): its
     * Via is the caller's to set. Over TCP, TLS or WS it takes the connection the stack has to that address, if any.
     */
    public void sendStateless(javax.sip.message.Message message, javax.sip.address.Hop hop) throws javax.sip.SipException {
        ListeningPoint lp = provider.getListeningPoint(hop.getTransport());
        if (lp == null) throw new javax.sip.SipException("the edge does not listen on " + hop.getTransport());
        try {
            var channel = ((gov.nist.javax.sip.SipStackImpl) stack).createRawMessageChannel(lp.getIPAddress(), lp.getPort(), hop);
            if (channel == null) throw new javax.sip.SipException("no channel to " + hop);
            channel.sendMessage((gov.nist.javax.sip.message.SIPMessage) message, hop);
        } catch (java.io.IOException e) {
            throw new javax.sip.SipException("cannot send to " + hop + ": " + e.getMessage(), e);
        }
    }

    /** ACKs of 2xx responses the stack lost to a race with their sending ({@link EarlyAcks}). */
    public EarlyAcks earlyAcks() { return earlyAcks; }

    public SipProvider provider() { return provider; }
    public MessageFactory messages() { return messages; }
    public HeaderFactory headers() { return headers; }
    public AddressFactory addresses() { return addresses; }
    public String advertisedHost() { return advertisedHost; }
    public Map<String, Integer> ports() { return ports; }
    public SipStack stack() { return stack; }

    public boolean listens(String transport) { return ports.containsKey(transport.toLowerCase(Locale.ROOT)); }

    /** The transport to reach a peer with: the one asked for when the edge listens on it, else UDP (else the first). */
    public String transportFor(String wanted) {
        String t = wanted == null ? "udp" : wanted.toLowerCase(Locale.ROOT);
        if (listens(t)) return t;
        return listens("udp") ? "udp" : ports.keySet().iterator().next();
    }

    public int port(String transport) { return ports.get(transportFor(transport)); }

    /** A Via for a new request; the stack fills in the branch. */
    public ViaHeader via(String transport) {
        try {
            String t = transportFor(transport);
            ViaHeader via = headers.createViaHeader(advertisedHost, ports.get(t), t, null);
            via.setRPort();
            return via;
        } catch (ParseException | InvalidArgumentException e) {
            throw new IllegalStateException("cannot build Via for " + transport, e);
        }
    }

    /** The edge's own address for a transport: {@code sip:<user>@host:port;transport=t}. */
    public SipURI uri(String user, String transport) {
        try {
            String t = transportFor(transport);
            SipURI uri = addresses.createSipURI(user, advertisedHost);
            uri.setPort(ports.get(t));
            if (!t.equals("udp")) uri.setTransportParam(t);
            return uri;
        } catch (ParseException e) {
            throw new IllegalStateException("cannot build the edge URI", e);
        }
    }

    public ContactHeader contact(String transport) {
        Address address = addresses.createAddress(uri(userPart, transport));
        return headers.createContactHeader(address);
    }

    public String newCallId() { return provider.getNewCallId().getCallId(); }

    @Override
    public void close() {
        try {
            for (ListeningPoint lp : provider.getListeningPoints()) {
                try {
                    stack.deleteListeningPoint(lp);
                } catch (Exception ignored) {
                    // closing anyway
                }
            }
            stack.deleteSipProvider(provider);
        } catch (Exception ignored) {
            // closing anyway
        } finally {
            stack.stop();
        }
    }
}
