package io.sipstream.edge.sip;

import gov.nist.javax.sip.ListeningPointImpl;
import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import gov.nist.javax.sip.stack.MessageChannel;
import gov.nist.javax.sip.stack.QueuedMessageDispatchBase;
import gov.nist.javax.sip.stack.SIPMessageValve;
import gov.nist.javax.sip.stack.UDPMessageProcessor;
import io.sipstream.edge.overload.QueueDelayShedder;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import javax.sip.SipStack;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JAIN-SIP's message valve (gov.nist.javax.sip.SIP_MESSAGE_VALVE): the first thing a SIP thread does
 * with a parsed request, before any transaction is looked up or created. Over UDP new INVITEs are refused
 * on receipt ({@link #refusalOnReceipt}), and here only those the edge does not challenge (with credentials, or a
 * trunk's) while the queue waits past the threshold ({@link #servesAtDequeue}). Over TCP, TLS and WebSocket, which
 * have no check on receipt, it refuses new INVITEs (no To tag) while datagrams wait too long for a SIP thread
 * ({@link QueueDelayShedder}; past the threshold at once, {@link #refusesNewInvitesAt}). A refusal is a 503 with
 * Retry-After and a Reason, sent statelessly on the channel the INVITE came in on, and the INVITE
 * dropped: no transaction, no 100 Trying, no listener. The ACK of such a 503 is recognised by the To
 * tag the 503 gave (prefix {@value #SHED_TAG}) and dropped here too: it has no transaction to go to.
 *
 * <p>The wait measured is that of the oldest datagram in the UDP message processors' queues (JAIN-SIP's
 * reader thread stamps each datagram when it takes it from the socket). The queue is a protected field,
 * read by reflection; without it the edge warns once and refuses nothing for the queue's delay. TCP and
 * TLS have no such queue (a selector thread reads every connection and hands messages to a pool): their waits are not
 * measured, but their new INVITEs are refused too while UDP's datagrams wait, the SIP threads being the
 * same CPU.
 *
 * <p>The stack creates the valve by class name and calls {@link #init} from its constructor, before any
 * listening point exists; the edge finds it by the stack's name ({@link #of}) and {@link #start}s it once
 * the listening points are bound. Until then it lets everything through.
 */
public final class QueueDelayValve implements SIPMessageValve {
    private static final Logger log = LoggerFactory.getLogger(QueueDelayValve.class);
    /** To tag prefix of the 503s sent here; not hexadecimal, so no tag the edge gives otherwise has it. */
    static final String SHED_TAG = "shed-";
    public static final String OVERLOADED = "overloaded: SIP queue delay";
    private static final Map<String, QueueDelayValve> BY_STACK = new ConcurrentHashMap<>();
    private static final java.util.concurrent.atomic.AtomicLong TAGS = new java.util.concurrent.atomic.AtomicLong(
            new java.security.SecureRandom().nextLong());

    private static final byte[] INVITE_LINE = "INVITE ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    // stateless: JAIN-SIP's own factory hands one to every stack
    private static final gov.nist.javax.sip.parser.StringMsgParser RECEIPT_PARSER = new gov.nist.javax.sip.parser.StringMsgParser();

    private SipStack stack;
    private volatile List<Queue<? extends QueuedMessageDispatchBase>> queues = List.of();
    private volatile Shedding shedding;
    private volatile StatelessChallenges challenged;
    /** Whether a UDP reader asks {@link #refusalOnReceipt} before it queues an INVITE (ReusingUdpProcessor does). */
    private volatile boolean udpCheckedOnReceipt;
    private volatile Predicate<SIPRequest> challengeable = r -> false;

    private record Shedding(QueueDelayShedder shedder, SipResponder responder, int retryAfterSeconds) {}

    /** For the stack, which creates its valve by class name. */
    public QueueDelayValve() {}

    /** The valve of a stack created with {@link SipStackProperties}. */
    public static QueueDelayValve of(SipStack stack) {
        QueueDelayValve v = BY_STACK.get(stack.getStackName());
        if (v == null) throw new IllegalStateException("stack " + stack.getStackName() + " has no " + QueueDelayValve.class.getSimpleName());
        return v;
    }

    /** The valve of this stack, or null (a stack not made with {@link SipStackProperties}, or not made yet). */
    static QueueDelayValve find(SipStack stack) { return BY_STACK.get(stack.getStackName()); }

    @Override
    public void init(SipStack stack) {
        this.stack = stack;
        BY_STACK.put(stack.getStackName(), this);
    }

    @Override
    public void destroy() {
        if (stack != null) BY_STACK.remove(stack.getStackName(), this);
    }

    /**
     * Finds the UDP queues of the listening points bound by now, and from now refuses new INVITEs while the
     * oldest queued datagram is older than the shedder's threshold (none when it is disabled).
     */
    public void start(QueueDelayShedder shedder, SipResponder responder, int retryAfterSeconds) {
        queues = udpQueues(stack);
        shedding = new Shedding(shedder, responder, retryAfterSeconds);
    }

    /** The first INVITEs challenged without a transaction: a resend of one is a retransmission, never refused. */
    public void absorbResendsOf(StatelessChallenges challenges) { this.challenged = challenges; }

    /**
     * Which INVITEs without credentials the edge answers with a challenge (a caller's, not a trunk's, which is served
     * at once): over UDP such an INVITE the reader queued is challenged, never refused after its wait. Until set, none.
     */
    public void challenges(Predicate<SIPRequest> challengeable) { this.challengeable = challengeable; }

    /** Milliseconds the oldest datagram still queued for a SIP thread has waited (0 when none waits). */
    public long queueDelayMillis() { return queueDelayMillis(queues, System.currentTimeMillis()); }

    /** UDP datagrams read and waiting for a SIP thread. */
    public int queuedDatagrams() {
        int n = 0;
        for (Queue<? extends QueuedMessageDispatchBase> q : queues) n += q.size();
        return n;
    }

    static long queueDelayMillis(List<? extends Queue<? extends QueuedMessageDispatchBase>> queues, long nowMillis) {
        long delay = 0;
        for (Queue<? extends QueuedMessageDispatchBase> q : queues) {
            QueuedMessageDispatchBase head = q.peek();
            if (head != null) delay = Math.max(delay, nowMillis - head.getReceptionTime());
        }
        return delay;
    }

    /**
     * Called by the UDP reader thread ({@link ReusingUdpProcessor}) for each datagram before it is queued: while new
     * INVITEs are being refused, or the queue's wait is past the threshold ({@link #refusesNewInvitesAt}), a new INVITE
     * is answered 503 here, on receipt, and not queued. Refused on a SIP thread
     * instead, it first waits its turn behind every datagram queued before it, which is the delay being refused for:
     * measured at twice the held rate, the 503 then came 122 ms (p50) and 729 ms (p99) after the INVITE.
     *
     * @param queuedBefore whether these bytes were queued moments ago (a retransmission: queued again, never refused)
     * @return the 503 to send when the INVITE is refused (the datagram is then dropped); null for anything else,
     *     including what does not parse (the SIP thread parses it again and counts it as malformed)
     */
    java.net.DatagramPacket refusalOnReceipt(byte[] datagram, InetAddress from, int fromPort,
            Predicate<byte[]> queuedBefore) {
        if (!udpCheckedOnReceipt) udpCheckedOnReceipt = true;
        Shedding s = shedding;
        if (s == null || !isInvite(datagram)) return null;
        SIPRequest invite;
        long delay;
        try {
            delay = queueDelayMillis();
            if (!refusesNewInvitesAt(delay, s.shedder().refuses(delay, System.nanoTime()), s.shedder())) return null; // the common case
            if (queuedBefore.test(datagram)) return null; // a retransmission of one still queued (asked only now: a scan)
            if (!(RECEIPT_PARSER.parseSIPMessage(datagram, false, false, null) instanceof SIPRequest r)
                    || !refusesOnReceipt(r, delay, s.shedder()) || isRetransmission(r)) {
                return null;
            }
            invite = r;
        } catch (java.text.ParseException | RuntimeException e) {
            return null;
        }
        java.net.DatagramPacket answer;
        try {
            byte[] bytes = refusal(invite, s).encodeAsBytes("UDP");
            Via via = invite.getTopmostVia();
            int port = via.hasParameter(Via.RPORT) ? fromPort : via.getPort() > 0 ? via.getPort() : 5060;
            answer = new java.net.DatagramPacket(bytes, bytes.length, from, port);
        } catch (java.text.ParseException | RuntimeException e) {
            return null; // queued as any datagram: a SIP thread takes it (servesAtDequeue)
        }
        s.shedder().refused(delay);
        String report = s.shedder().report(System.nanoTime());
        if (report != null) log.warn(report);
        return answer;
    }

    /**
     * Whether a request just read is a new INVITE to refuse, the shedder refusing at this queue delay. The answer to a
     * challenge has cost its caller a round trip and the edge a 401 already: it is refused only past the threshold
     * itself; a first INVITE (or a trunk's) from half of it, while refusing goes on.
     */
    static boolean refusesOnReceipt(SIPRequest r, long queueDelayMillis, QueueDelayShedder shedder) {
        if (!Request.INVITE.equals(r.getMethod()) || r.getTopmostVia() == null || r.getCSeq() == null || r.getFrom() == null
                || r.getTo() == null || r.getCallId() == null || r.getToTag() != null) {
            return false;
        }
        return queueDelayMillis > shedder.thresholdMillis() || !hasCredentials(r);
    }

    /**
     * Whether new INVITEs are refused at this queue delay where nothing has waited for it yet (the UDP reader, on receipt;
     * the valve, for TCP, TLS and WebSocket, which have no such reader): while the shedder refuses, and past the threshold
     * itself at once, without the shedder's sustain. Admitted during the sustain, the answers to a challenge were refused
     * by the SIP threads once refusing began, after waiting 200-400 ms: at twice the held rate, nearly all the 503s later
     * than 50 ms were those (measured). The price: a stall longer than the threshold (a full collection, which the
     * launcher's settings keep away at the rates the edge holds) now refuses new INVITEs while its backlog drains. A
     * UDP INVITE the reader queued is still refused by a SIP thread only once the delay is sustained.
     */
    static boolean refusesNewInvitesAt(long queueDelayMillis, boolean shedderRefuses, QueueDelayShedder shedder) {
        return shedderRefuses || shedder.enabled() && queueDelayMillis > shedder.thresholdMillis();
    }

    private static boolean hasCredentials(SIPRequest r) {
        return r.getHeader(javax.sip.header.AuthorizationHeader.NAME) != null
                || r.getHeader(javax.sip.header.ProxyAuthorizationHeader.NAME) != null;
    }

    /**
     * Whether a datagram's first line is an INVITE's (a request line starts with its method: RFC 3261 7.1), after what
     * the stack's parser skips before it: every byte below 0x20 as a signed byte (so CRLFs, which RFC 3261 7.5 tells a
     * receiver to ignore, and any byte from 0x80). Without that skip, an INVITE sent with a CRLF in front passed the
     * check on receipt and waited in the queue.
     */
    static boolean isInvite(byte[] datagram) {
        int start = 0;
        while (start < datagram.length && datagram[start] < 0x20) start++;
        if (datagram.length - start < INVITE_LINE.length) return false;
        for (int i = 0; i < INVITE_LINE.length; i++) if (datagram[start + i] != INVITE_LINE[i]) return false;
        return true;
    }

    @Override
    public boolean processRequest(SIPRequest request, MessageChannel channel) {
        String method = request.getMethod();
        if (Request.ACK.equals(method)) return !isAckOfShed(request);
        Shedding s = shedding;
        if (s == null || !Request.INVITE.equals(method) || request.getToTag() != null) return true;
        try {
            long delay = queueDelayMillis();
            boolean refusing = s.shedder().refuses(delay, System.nanoTime());
            // TCP, TLS and WebSocket are refused past the threshold at once, as the UDP reader refuses: its refusals hold
            // the wait near the threshold, so the sustain they waited for might never pass under a mixed load
            if (!(channel.isReliable() ? refusesNewInvitesAt(delay, refusing, s.shedder()) : refusing)) return true; // the common case
            if (servesAtDequeue(channel.isReliable(), udpCheckedOnReceipt,
                    !hasCredentials(request) && challengeable.test(request), delay, s.shedder().thresholdMillis())) {
                return true;
            }
            // A retransmission of an INVITE being served is the transaction's to absorb. Refused here, the caller
            // would take the 503 and drop the call while the edge connected it: measured, 256 calls in a minute
            // at twice the held rate were answered by the trunk and billed to the 32 s of an un-ACKed 200.
            if (isRetransmission(request)) return true;
            s.shedder().refused(delay);
        } catch (RuntimeException e) { // JAIN-SIP not as expected: the stack works on without this valve
            log.debug("queue delay not measured: {}", e.toString());
            return true;
        }
        try {
            send(refusal(request, s), request, channel);
        } catch (Exception e) {
            log.debug("503 to {} not sent: {}", request.getCallId().getCallId(), e.toString()); // its retransmission comes back
        }
        String report = s.shedder().report(System.nanoTime());
        if (report != null) log.warn(report);
        return false;
    }

    @Override
    public boolean processResponse(Response response, MessageChannel channel) { return true; }

    /**
     * Whether a new INVITE a SIP thread takes while refusing goes on is served all the same. Over UDP the reader decided
     * on receipt: a first INVITE it queued that the edge challenges is served (its 401 costs no more than its 503;
     * refused after its wait, at twice the held rate a third of the 503s went 100 ms after their INVITE, p50, where one
     * on receipt goes at once), and any other (an answer to a challenge, a trunk's) unless the queue's wait is past the
     * threshold itself, the mark it is refused at on receipt: served after any wait, calls failed and billing counted
     * the waits (measured). TCP, TLS and WebSocket have no check on receipt: refused while the shedder
     * refuses, and past the threshold at once ({@link #refusesNewInvitesAt}).
     */
    static boolean servesAtDequeue(boolean reliable, boolean checkedOnReceipt, boolean challengedFirstInvite,
                                   long queueDelayMillis, long thresholdMillis) {
        if (reliable || !checkedOnReceipt) return false;
        return challengedFirstInvite || queueDelayMillis <= thresholdMillis;
    }

    private boolean isRetransmission(SIPRequest invite) {
        StatelessChallenges c = challenged;
        if (c != null && invite.getCallId() != null && invite.getTopmostVia() != null
                && c.knows(invite.getCallId().getCallId(), invite.getTopmostVia().getBranch(), System.currentTimeMillis())) {
            return true; // its 401 was sent without a transaction: InviteHandler sends it again
        }
        return stack instanceof gov.nist.javax.sip.stack.SIPTransactionStack transactions
                && transactions.findTransaction(invite, true) != null;
    }

    static boolean isAckOfShed(SIPRequest ack) {
        String tag = ack.getToTag();
        return tag != null && tag.startsWith(SHED_TAG);
    }

    private static SIPResponse refusal(SIPRequest request, Shedding s) throws java.text.ParseException {
        SIPResponse r = request.createResponse(Response.SERVICE_UNAVAILABLE);
        r.getTo().setTag(SHED_TAG + Long.toHexString(TAGS.incrementAndGet()));
        s.responder().addReason(r, Response.SERVICE_UNAVAILABLE, OVERLOADED);
        r.addHeader(s.responder().retryAfter(s.retryAfterSeconds()));
        return r;
    }

    /**
     * On the connection it came in on (TCP, TLS); over UDP to the source address, and to the source port when
     * the Via asks for it with rport (RFC 3581), else to the Via's port (RFC 3261 18.2.2).
     */
    private static void send(SIPResponse r, SIPRequest request, MessageChannel channel) throws java.io.IOException {
        if (channel.isReliable()) {
            channel.sendMessage(r);
            return;
        }
        Via via = request.getTopmostVia();
        InetAddress to = request.getPeerPacketSourceAddress();
        int port = via.hasParameter(Via.RPORT) ? request.getPeerPacketSourcePort() : via.getPort() > 0 ? via.getPort() : 5060;
        channel.sendMessage(r, to, port);
    }

    private static List<Queue<? extends QueuedMessageDispatchBase>> udpQueues(SipStack stack) {
        List<Queue<? extends QueuedMessageDispatchBase>> found = new ArrayList<>();
        Field field;
        try {
            field = UDPMessageProcessor.class.getDeclaredField("messageQueue");
            field.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("cannot read JAIN-SIP's UDP message queue ({}): new INVITEs are not refused for the SIP layer's delay "
                    + "(edge.overload.queue.delay), only by the limit on calls in set-up", e.toString());
            return List.of();
        }
        for (Iterator<?> it = ((gov.nist.javax.sip.SipStackImpl) stack).getListeningPoints(); it.hasNext(); ) {
            if (it.next() instanceof ListeningPointImpl lp && lp.getMessageProcessor() instanceof UDPMessageProcessor p) {
                try {
                    if (field.get(p) instanceof Queue<?> q) found.add(cast(q));
                } catch (ReflectiveOperationException | RuntimeException e) {
                    log.warn("cannot read JAIN-SIP's UDP message queue on port {} ({}): its delay is not measured", p.getPort(), e.toString());
                }
            }
        }
        return List.copyOf(found);
    }

    @SuppressWarnings("unchecked")
    private static Queue<? extends QueuedMessageDispatchBase> cast(Queue<?> q) { return (Queue<? extends QueuedMessageDispatchBase>) q; }
}
