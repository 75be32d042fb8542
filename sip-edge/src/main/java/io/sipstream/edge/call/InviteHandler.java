package io.sipstream.edge.call;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.stack.MessageChannel;
import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.Direction;
import io.sipstream.edge.auth.AuthOutcome;
import io.sipstream.edge.auth.SipAuthenticator;
import io.sipstream.edge.auth.CarrierMatch;
import io.sipstream.edge.overload.Backlog;
import io.sipstream.edge.overload.SetupLimiter;
import io.sipstream.edge.sip.EdgeSipListener;
import io.sipstream.edge.sip.RequestHandler;
import io.sipstream.edge.sip.SipEndpoint;
import io.sipstream.edge.sip.SipResponder;
import io.sipstream.edge.sip.SipSource;
import io.sipstream.edge.sip.StoreOutage;
import io.sipstream.edge.sip.Withheld;
import java.time.Instant;
import java.util.Optional;
import javax.sip.RequestEvent;
import javax.sip.ServerTransaction;
import javax.sip.address.SipURI;
import javax.sip.header.AuthorizationHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.FromHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A new INVITE: admitted into set-up or refused 503 (the call events' {@link Backlog} nearly full, or the
 * {@link SetupLimiter}); a caller's INVITE without credentials (or with a nonce that is stale or not ours) gets its
 * 401 challenge at once on the SIP thread; any other gets 100 Trying there, then is handled off it (Redis): a carrier's request (a source
 * on a trunk's allow-list, or one the edge's registration at a provider tells as the provider's, {@link CarrierMatch})
 * makes an inbound call, for the number {@link CalledNumber} finds; anyone else must authenticate as an account (digest), and a blocked
 * account is refused before the router is asked. A retransmitted INVITE never gets here (its transaction
 * answers it), so no call is admitted twice.
 */
public final class InviteHandler implements RequestHandler {
    private static final Logger log = LoggerFactory.getLogger(InviteHandler.class);
    static final String OVERLOADED = "overloaded: too many calls in set-up";
    static final String EVENTS_BEHIND = "overloaded: call events not yet journalled";
    private final SipEndpoint sip;
    private final SipResponder responder;
    private final CallRegistry registry;
    private final SetupLimiter overload;
    private final Backlog events;
    private final CallScheduler scheduler;
    private final EdgeMetrics metrics;
    private final AccountBlocks blocks;
    private final CallStarter calls;
    private final SipAuthenticator authenticator;
    private final CarrierMatch carriers;
    private final String edgeId;
    private final int replyPartition;
    private final int retryAfterSeconds;

    /**
     * {@code edgeId} and {@code replyPartition}: what the edge's attempts say of it (their ids' prefix, and
     * the partition of call.verdicts it reads); {@code retryAfterSeconds}: the Retry-After of the 503s it answers.
     */
    public InviteHandler(SipEndpoint sip, SipResponder responder, CallRegistry registry, SetupLimiter overload, Backlog events,
                         CallScheduler scheduler, EdgeMetrics metrics, AccountBlocks blocks, CallStarter calls,
                         SipAuthenticator authenticator, CarrierMatch carriers,
                         String edgeId, int replyPartition,
                         int retryAfterSeconds) {
        this.sip = sip;
        this.responder = responder;
        this.registry = registry;
        this.overload = overload;
        this.events = events;
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.blocks = blocks;
        this.calls = calls;
        this.authenticator = authenticator;
        this.carriers = carriers;
        this.edgeId = edgeId;
        this.replyPartition = replyPartition;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    @Override
    public void onRequest(RequestEvent event, SipSource source) {
        if (event.getServerTransaction() == null && challengedStatelessly(event.getRequest(), source)) return;
        ServerTransaction st = EdgeSipListener.serverTransaction(event, sip);
        if (st == null) return; // a retransmission: the transaction answers it
        Request request = st.getRequest();
        // what the request itself gets wrong is answered at once, without a 100 Trying first
        if (!(request.getRequestURI() instanceof SipURI uri)) {
            responder.reject(st, Response.UNSUPPORTED_URI_SCHEME, "only sip: request-URIs are served");
            return;
        }
        if (uri.getUser() == null || uri.getUser().isBlank()) {
            responder.reject(st, Response.ADDRESS_INCOMPLETE, "the request-URI has no number");
            return;
        }
        int minSe = SessionTimer.tooSmall(request, calls.sessionTimers());
        if (minSe > 0) { // RFC 4028: a caller that supports timers asks again with at least the edge's Min-SE
            SessionHeaders.refuse(responder, st, minSe);
            return;
        }
        String callId = ((CallIdHeader) request.getHeader(CallIdHeader.NAME)).getCallId();
        if (registry.contains(callId)) {
            responder.reject(st, Response.LOOP_DETECTED, "a call with this Call-ID is in progress");
            return;
        }
        // the journal is behind with the call events (its disk): the room left is for the calls already up
        if (events.refusesNewCalls()) {
            log.debug("INVITE {} refused 503: {} call events wait for the journal", callId, events.queued());
            metrics.shedForEvents();
            responder.reject(st, Response.SERVICE_UNAVAILABLE, EVENTS_BEHIND, responder.retryAfter(retryAfterSeconds));
            return;
        }
        // past the limit on calls in set-up, refused here on the SIP thread: no Redis, no Kafka, no 100 Trying
        SetupLimiter.Admission admission = overload.admit(System.nanoTime());
        if (admission == null) {
            log.debug("INVITE {} refused 503: {} calls in set-up", callId, overload.limit());
            responder.reject(st, Response.SERVICE_UNAVAILABLE, OVERLOADED, responder.retryAfter(retryAfterSeconds));
            return;
        }
        Optional<String> trunk = Optional.ofNullable(carriers.trunkIdOf(source, request));
        // a caller's first INVITE carries no credentials: its 401 needs nothing from Redis, so it is answered here,
        // final at once and without 100 Trying (RFC 3261 8.2.6.1 asks for one only when the final answer takes longer)
        if (trunk.isEmpty() && authenticator.challengedWithoutStore(st)) {
            admission.release();
            return;
        }
        responder.respond(st, Response.TRYING);
        PendingInvite pending = registry.expect(callId, st, admission);
        scheduler.offload(() -> {
            try {
                if (trunk.isPresent()) startInbound(pending, source, trunk.get());
                else startOutbound(pending, source);
            } catch (Exception e) {
                if (StoreOutage.is(e)) { // Redis down or too slow: temporary, the caller may retry (not a bug: no 500)
                    log.warn("INVITE {} refused 503: {}", callId, e.toString());
                    storeUnavailable(st);
                } else {
                    log.error("INVITE {} failed", callId, e);
                    responder.respond(st, Response.SERVER_INTERNAL_ERROR);
                }
            } finally {
                settle(pending);
            }
        }, () -> { // too many requests wait on Redis already: this one is not queued behind them
            log.warn("INVITE {} refused 503: the edge's store is busy", callId);
            storeUnavailable(st);
            settle(pending);
        });
    }

    private void storeUnavailable(ServerTransaction st) {
        metrics.reject(Response.SERVICE_UNAVAILABLE);
        responder.storeUnavailable(st, retryAfterSeconds);
    }

    private void settle(PendingInvite pending) {
        pending.releaseAdmission();
        registry.settled(pending);
    }

    /**
     * A caller's first INVITE over UDP, one that the checks of {@link #onRequest} would let through to its 401, is
     * challenged without a transaction ({@link SipAuthenticator#challengedStatelessly}): the same answer, without the
     * INVITE, the 401 and their timers kept 5 s after the ACK. Any other (a carrier's, one with credentials, even a
     * stale nonce's, one that is refused, TCP, TLS and WebSocket, where there are no retransmissions to absorb) gets its
     * transaction, so that an authenticated INVITE pays for none of these checks twice.
     */
    private boolean challengedStatelessly(Request request, SipSource source) {
        // the socket it came on, not its Via: a TCP or TLS request is answered on its connection
        if (!(request instanceof SIPRequest r) || !(r.getMessageChannel() instanceof MessageChannel channel) || channel.isReliable()) {
            return false;
        }
        // credentials (most often valid): the stateful path checks them; only a stale or foreign nonce's 401 is lost here
        if (request.getHeader(AuthorizationHeader.NAME) != null) return false;
        // a resend of one challenged (it had no credentials either): the same 401 again, whatever the edge's state now
        if (authenticator.challengedBefore(request)) return authenticator.challengedStatelessly(request);
        if (!(request.getRequestURI() instanceof SipURI uri) || uri.getUser() == null || uri.getUser().isBlank()) return false;
        try {
            r.checkHeaders(); // what a transaction needs (getNewServerTransaction answers 400 without it)
        } catch (java.text.ParseException e) {
            return false;
        }
        if (SessionTimer.tooSmall(request, calls.sessionTimers()) > 0) return false;
        CallIdHeader callId = (CallIdHeader) request.getHeader(CallIdHeader.NAME);
        if (registry.contains(callId.getCallId()) || events.refusesNewCalls() || overload.full(System.nanoTime())) return false;
        return carriers.trunkIdOf(source, request) == null && authenticator.challengedStatelessly(request);
    }

    private void startOutbound(PendingInvite pending, SipSource source) throws Exception {
        ServerTransaction st = pending.invite();
        AuthOutcome.Authenticated who = authenticator.authenticateWithValidNonce(st, source); // challengedWithoutStore let it by
        if (who == null || pending.cancelled()) return;
        AccountBlocks.Block block = blocks.blockOf(who.accountId());
        // a short code may be an emergency number, which no block stops: the router decides those
        if (block != null && !ShortCodes.mayBeEmergency(Identities.userOf(st.getRequest().getRequestURI()))) {
            // billing's reason names the balance or the limit: the caller gets a reference to it
            Withheld why = Withheld.of(block.reason().isBlank() ? "account blocked" : block.reason());
            log.info("INVITE {} of account {} refused {} ref={}: {}", pending.callId(), who.accountId(), block.sipStatus(),
                    why.ref(), why.reason());
            metrics.reject(block.sipStatus());
            responder.reject(st, block.sipStatus(), why);
            return;
        }
        long now = System.currentTimeMillis();
        calls.start(attempt(st.getRequest(), source, Direction.OUTBOUND, who.accountId(), null, now), pending, now, who.media());
    }

    private void startInbound(PendingInvite pending, SipSource source, String trunkId) throws Exception {
        long now = System.currentTimeMillis();
        calls.start(attempt(pending.invite().getRequest(), source, Direction.INBOUND, null, trunkId, now), pending, now, null);
    }

    private CallAttempt attempt(Request request, SipSource source, Direction direction, String accountId, String trunkId, long now) {
        FromHeader from = (FromHeader) request.getHeader(FromHeader.NAME);
        return CallAttempt.newBuilder()
                .setCallId(CallIds.next(edgeId, ((CallIdHeader) request.getHeader(CallIdHeader.NAME)).getCallId()))
                .setEdgeId(edgeId)
                .setReplyPartition(replyPartition)
                .setDirection(direction)
                .setAccountId(accountId)
                .setSourceTrunkId(trunkId)
                .setFromUser(Identities.userOf(from.getAddress().getURI()))
                .setFromUri(from.getAddress().getURI().toString())
                .setDialled(direction == Direction.INBOUND ? CalledNumber.of(request) : Identities.userOf(request.getRequestURI()))
                .setRequestUri(request.getRequestURI().toString())
                .setAssertedIdentity(Identities.assertedUser(request))
                .setSourceIp(source.ip())
                .setSourcePort(source.port())
                .setTransport(source.transport())
                .setReceivedAt(Instant.ofEpochMilli(now))
                .build();
    }
}
