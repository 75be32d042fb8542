package io.sipstream.edge.call;

import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Direction;
import io.sipstream.avro.HangupParty;
import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.TargetKind;
import io.sipstream.avro.Trunk;
import io.sipstream.avro.VerdictAction;
import io.sipstream.edge.registrar.Binding;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import javax.sip.ServerTransaction;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.ContactHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call through the edge: the caller's leg, the legs dialled for it and the rules between
 * them. It waits for the router's verdict (no verdict in time: 503, never routed), dials the
 * verdict's targets in failover order (a REGISTERED target rings every contact at once), relays
 * progress and the answer, tears both legs down on BYE, CANCEL, max duration or a billing
 * block, and reports each step as a call event.
 *
 * <p>Every method runs under the call's lock: SIP threads, the verdict consumer and timers all
 * call in, and nothing here waits on Redis or Kafka (lookups go through {@code s.offload}).
 */
public final class B2buaCall {
    private static final Logger log = LoggerFactory.getLogger(B2buaCall.class);

    enum State { AWAITING_VERDICT, DIALLING, ANSWERED, ENDED }

    private final CallServices s;
    private final String callId;
    private final CallAttempt attempt;
    private final Direction direction;
    private final long startedAt;
    private CallerLeg caller;
    private volatile String accountId;
    private State state = State.AWAITING_VERDICT;
    private RoutingVerdict verdict;
    private String pendingAttemptId;
    private long attemptSentAt;
    private final Deque<RouteTarget> targets = new ArrayDeque<>();
    private final List<CalleeLeg> ringing = new ArrayList<>();
    private RouteTarget currentTarget;
    private Trunk currentTrunk;
    private CalleeLeg answered;
    private int lastStatus;
    private int groupStatus;
    private String lastReason = "no target answered";
    private boolean ringingReported;
    private boolean attemptReported;
    private boolean noAnswerPhase;
    private int redirects;
    private Long answeredAt;
    private int interimSequence;
    private String trunkId;
    private final List<ScheduledFuture<?>> timers = new ArrayList<>();
    private ScheduledFuture<?> noAnswerTimer;

    B2buaCall(CallServices s, CallAttempt attempt, long startedAt) {
        this.s = s;
        this.attempt = attempt;
        this.callId = attempt.getCallId();
        this.direction = attempt.getDirection();
        this.accountId = attempt.getAccountId();
        this.startedAt = startedAt;
    }

    /**
     * Takes over the caller's INVITE (already answered 100 Trying) and asks the router. Null when
     * a call with this Call-ID is already in progress (a loop or a merged request) or the caller
     * cancelled the INVITE while it was being authenticated.
     */
    static B2buaCall start(CallServices s, CallAttempt attempt, PendingInvite pending, long now) throws Exception {
        ServerTransaction invite = pending.invite();
        B2buaCall call = new B2buaCall(s, attempt, now);
        synchronized (call) {
            if (!s.registry().add(call)) {
                s.responder().reject(invite, Response.LOOP_DETECTED, "a call with this Call-ID is in progress");
                return null;
            }
            if (!pending.handOver()) { // the caller's CANCEL came first and has answered the INVITE 487
                s.registry().remove(call);
                return null;
            }
            call.caller = new CallerLeg(call, s, invite, attempt.getTransport());
            if (call.accountId != null) call.report(CallEventType.ATTEMPT, 0, now, null);
            call.ask(attempt, now);
        }
        return call;
    }

    public String callId() { return callId; }

    public String accountId() { return accountId; }

    synchronized State state() { return state; }

    private void ask(CallAttempt a, long now) {
        s.metrics().attempt();
        pendingAttemptId = a.getCallId();
        attemptSentAt = now;
        timers.add(s.after(s.settings().verdictTimeout(), () -> onVerdictTimeout(a.getCallId())));
        s.attempts().publish(a, e -> onAttemptFailed(a.getCallId(), e));
    }

    // ---- the router's answer

    /** A verdict for this call (or an alias of it); ignored unless the call is waiting for it. */
    public synchronized void onVerdict(RoutingVerdict v) {
        if (state != State.AWAITING_VERDICT || !v.getCallId().equals(pendingAttemptId)) return;
        long now = System.currentTimeMillis();
        s.metrics().verdictWait(now - attemptSentAt);
        pendingAttemptId = null;
        verdict = v;
        if (accountId == null && v.getAccountId() != null) {
            accountId = v.getAccountId();
        }
        if (!attemptReported && accountId != null) report(CallEventType.ATTEMPT, 0, now, null);
        if (v.getAction() == VerdictAction.REJECT) {
            int status = v.getSipStatus() >= 300 && v.getSipStatus() < 700 ? v.getSipStatus() : 403;
            fail(status, v.getReason().isBlank() ? "rejected by the router" : v.getReason(), HangupParty.SYSTEM);
            return;
        }
        AccountBlocks.Block block = s.blocks().blockOf(accountId);
        if (block != null) {
            fail(block.sipStatus(), block.reason(), HangupParty.SYSTEM);
            return;
        }
        targets.clear();
        targets.addAll(v.getTargets());
        state = State.DIALLING;
        if (v.getNoAnswerSeconds() > 0 && !v.getNoAnswerTargets().isEmpty() && noAnswerTimer == null) {
            noAnswerTimer = s.after(Duration.ofSeconds(v.getNoAnswerSeconds()), this::onNoAnswer);
            timers.add(noAnswerTimer);
        }
        dialNext();
    }

    private synchronized void onVerdictTimeout(String attemptId) {
        if (state != State.AWAITING_VERDICT || !attemptId.equals(pendingAttemptId)) return;
        log.warn("call {}: no routing verdict within {}", callId, s.settings().verdictTimeout());
        fail(Response.SERVICE_UNAVAILABLE, "no routing decision in time", HangupParty.SYSTEM,
                s.responder().retryAfter(s.settings().retryAfterSeconds()));
    }

    private synchronized void onAttemptFailed(String attemptId, Exception e) {
        if (state != State.AWAITING_VERDICT || !attemptId.equals(pendingAttemptId)) return;
        log.error("call {}: CallAttempt not delivered: {}", callId, e.toString());
        fail(Response.SERVICE_UNAVAILABLE, "router unreachable", HangupParty.SYSTEM,
                s.responder().retryAfter(s.settings().retryAfterSeconds()));
    }

    // ---- dialling

    private void dialNext() {
        while (state == State.DIALLING) {
            RouteTarget target = targets.poll();
            if (target == null) {
                int status = lastStatus == 0 && lastReason.equals("no target answered") ? 480 : FailoverPolicy.callerStatus(lastStatus);
                fail(status, lastReason, HangupParty.CALLEE);
                return;
            }
            currentTarget = target;
            currentTrunk = null;
            groupStatus = 0;
            if (dial(target)) return;
        }
    }

    /** Starts ringing one target; false when it cannot be dialled at all (then the next one is tried). */
    private boolean dial(RouteTarget target) {
        try {
            switch (target.getKind()) {
                case TRUNK -> {
                    Trunk trunk = s.trunks().get(target.getTrunkId());
                    if (trunk == null || !trunk.getEnabled()) {
                        lastStatus = 503;
                        lastReason = "trunk " + target.getTrunkId() + " is unknown or disabled";
                        return false;
                    }
                    currentTrunk = trunk;
                    trunkId = trunk.getTrunkId();
                    ring(target, trunk, s.sip().addresses().createURI(target.getRequestUri()));
                    return true;
                }
                case URI -> {
                    ring(target, null, s.sip().addresses().createURI(target.getRequestUri()));
                    return true;
                }
                case REGISTERED -> {
                    String owner = target.getAccountId() != null ? target.getAccountId() : accountId;
                    s.offload(() -> {
                        List<Binding> contacts = s.bindings().current(owner, System.currentTimeMillis());
                        onContacts(target, contacts);
                    });
                    return true;
                }
            }
        } catch (Exception e) {
            log.warn("call {}: target {} cannot be dialled: {}", callId, target.getRequestUri(), e.toString());
            lastStatus = 502;
            lastReason = "target cannot be dialled";
        }
        return false;
    }

    private synchronized void onContacts(RouteTarget target, List<Binding> contacts) {
        if (state != State.DIALLING || currentTarget != target) return;
        int rung = 0;
        for (Binding b : contacts) {
            try {
                ring(target, null, s.sip().addresses().createURI(b.contact()));
                rung++;
            } catch (Exception e) {
                log.warn("call {}: contact {} cannot be dialled: {}", callId, b.contact(), e.toString());
            }
        }
        if (rung == 0) {
            lastStatus = Response.TEMPORARILY_UNAVAILABLE;
            lastReason = "no registered contact";
            dialNext();
        }
    }

    private void ring(RouteTarget target, Trunk trunk, URI uri) throws Exception {
        if (!(uri instanceof SipURI)) throw new IllegalArgumentException("not a SIP URI: " + uri);
        CalleeLeg leg = new CalleeLeg(this, s, target, trunk, uri, callerIdFor(target));
        ringing.add(leg);
        leg.send(caller.request());
    }

    private String callerIdFor(RouteTarget target) {
        if (target.getFromUser() != null && !target.getFromUser().isBlank()) return target.getFromUser();
        if (verdict != null && verdict.getCallerId() != null) return verdict.getCallerId();
        return attempt.getFromUser().isBlank() ? "anonymous" : attempt.getFromUser();
    }

    // ---- what the dialled legs say

    synchronized void onProvisional(CalleeLeg leg, Response response) {
        if (state != State.DIALLING || !ringing.contains(leg)) return;
        caller.provisional(response);
        int status = response.getStatusCode();
        if (!ringingReported && (status == Response.RINGING || status == Response.SESSION_PROGRESS)) {
            ringingReported = true;
            report(CallEventType.RINGING, 0, System.currentTimeMillis(), null);
        }
    }

    synchronized void onAnswered(CalleeLeg leg, Response response) {
        if (state != State.DIALLING || !ringing.contains(leg)) {
            leg.ack(null);
            leg.cancel(); // a late answer of a fork that lost, or of a call already over
            return;
        }
        answered = leg;
        ringing.remove(leg);
        ringing.forEach(CalleeLeg::cancel);
        ringing.clear();
        if (noAnswerTimer != null) noAnswerTimer.cancel(false);
        if (leg.trunk() != null) trunkId = leg.trunk().getTrunkId();
        state = State.ANSWERED;
        caller.answer(response);
        if (caller.offeredSdp()) leg.ack(null); // else the caller's ACK carries the answer to the offer in the 200
        long now = System.currentTimeMillis();
        answeredAt = now;
        report(CallEventType.ANSWERED, 0, now, null);
        timers.add(s.every(s.settings().interimInterval(), this::interim));
        Integer max = verdict == null ? null : verdict.getMaxDurationSeconds();
        if (max != null && max > 0) {
            timers.add(s.after(Duration.ofSeconds(max), () -> terminate(Response.FORBIDDEN, "maximum call duration reached")));
        }
    }

    synchronized void onLegFailed(CalleeLeg leg, int status, String reason) {
        if (!ringing.remove(leg) || state != State.DIALLING) return;
        groupStatus = FailoverPolicy.best(groupStatus, status);
        lastStatus = groupStatus;
        lastReason = reason == null || reason.isBlank() ? "target failed with " + status : reason;
        if (!ringing.isEmpty()) return; // other contacts still ring
        if (FailoverPolicy.failsOver(groupStatus, leg.trunk())) {
            dialNext();
        } else {
            fail(FailoverPolicy.callerStatus(groupStatus), lastReason, HangupParty.CALLEE);
        }
    }

    /** A 3xx: followed only through the router (a new attempt) and only when the trunk allows it. */
    synchronized void onRedirect(CalleeLeg leg, Response response) {
        if (state != State.DIALLING || !ringing.contains(leg)) return;
        Trunk trunk = leg.trunk();
        ContactHeader contact = (ContactHeader) response.getHeader(ContactHeader.NAME);
        if (trunk == null || !trunk.getAllowRedirect() || contact == null || redirects >= s.settings().maxRedirects()
                || ringing.size() > 1) {
            onLegFailed(leg, response.getStatusCode(), "redirect not followed");
            return;
        }
        ringing.remove(leg);
        redirects++;
        URI to = contact.getAddress().getURI();
        long now = System.currentTimeMillis();
        CallAttempt redirect = CallAttempt.newBuilder(attempt)
                .setCallId(callId + ";redirect-" + redirects)
                .setAccountId(accountId)
                .setDialled(Identities.userOf(to))
                .setRequestUri(to.toString())
                .setRedirectOf(callId)
                .setReceivedAt(Instant.ofEpochMilli(now))
                .build();
        state = State.AWAITING_VERDICT;
        s.registry().alias(redirect.getCallId(), this);
        ask(redirect, now);
    }

    private synchronized void onNoAnswer() {
        if (state != State.DIALLING || noAnswerPhase) return;
        noAnswerPhase = true;
        ringing.forEach(CalleeLeg::cancel);
        ringing.clear();
        targets.clear();
        targets.addAll(verdict.getNoAnswerTargets());
        lastStatus = Response.TEMPORARILY_UNAVAILABLE;
        lastReason = "no answer";
        dialNext();
    }

    // ---- in-dialog traffic

    synchronized void onAck(CallLeg from, Request ack) {
        if (from == caller && answered != null && !answered.acked()) answered.ack(ack);
    }

    synchronized void onBye(CallLeg from) {
        if (from == caller) {
            if (state == State.ANSWERED) {
                answered.sendBye();
                end(CallEventType.ENDED, Response.OK, "caller hung up", HangupParty.CALLER);
            } else if (state != State.ENDED) {
                cancelAll();
                end(CallEventType.FAILED, Response.REQUEST_TERMINATED, "caller hung up", HangupParty.CALLER);
            }
        } else if (from == answered && state == State.ANSWERED) {
            caller.sendBye();
            end(CallEventType.ENDED, Response.OK, "callee hung up", HangupParty.CALLEE);
        }
    }

    synchronized void onRelay(CallLeg from, ServerTransaction st) throws Exception {
        CallLeg to = from == caller ? answered : caller;
        if (state != State.ANSWERED || to == null || (from != caller && from != answered)) {
            s.responder().respond(st, Response.REQUEST_PENDING);
            return;
        }
        to.relay(st);
    }

    /** REFER: refused unless the trunk on the other side allows it (transfers are not carried out yet). */
    synchronized void onRefer(CallLeg from, ServerTransaction st) {
        Trunk trunk = from instanceof CalleeLeg leg ? leg.trunk() : null;
        if (trunk == null || !trunk.getAllowRefer()) {
            s.responder().reject(st, Response.FORBIDDEN, "REFER is not allowed");
        } else {
            s.responder().reject(st, Response.NOT_IMPLEMENTED, "transfers are not supported by this edge");
        }
    }

    /** The caller's CANCEL: the dialled legs are cancelled and the INVITE answered 487. */
    public synchronized void onCallerCancel() {
        if (state == State.ANSWERED || state == State.ENDED) return;
        cancelAll();
        fail(Response.REQUEST_TERMINATED, "cancelled by the caller", HangupParty.CALLER);
    }

    /** A dialog timed out (the caller never acknowledged the answer): both legs are ended. */
    synchronized void onLegLost(CallLeg leg) {
        if (state == State.ANSWERED && (leg == caller || leg == answered)) {
            answered.sendBye();
            caller.sendBye();
            end(CallEventType.ENDED, Response.REQUEST_TIMEOUT, "a leg was lost", HangupParty.SYSTEM);
        }
    }

    /** Ends the call from the edge's side (billing block, max duration): BYE on both legs, or a final failure before the answer. */
    public synchronized void terminate(int status, String reason) {
        switch (state) {
            case ANSWERED -> {
                answered.sendBye();
                caller.sendBye();
                end(CallEventType.ENDED, Response.OK, reason, HangupParty.SYSTEM);
            }
            case AWAITING_VERDICT, DIALLING -> {
                cancelAll();
                fail(status, reason, HangupParty.SYSTEM);
            }
            case ENDED -> { }
        }
    }

    // ---- the end

    private void cancelAll() {
        ringing.forEach(CalleeLeg::cancel);
        ringing.clear();
    }

    private void fail(int status, String reason, HangupParty by, javax.sip.header.Header... extra) {
        cancelAll();
        caller.reject(status, reason, extra);
        s.metrics().reject(status);
        end(CallEventType.FAILED, status, reason, by);
    }

    private void end(CallEventType type, int status, String reason, HangupParty by) {
        if (state == State.ENDED) return;
        state = State.ENDED;
        timers.forEach(t -> t.cancel(false));
        timers.clear();
        s.registry().remove(this);
        long now = System.currentTimeMillis();
        if (attemptReported) {
            CallEvent.Builder e = event(type, 0, now).setEndedAt(Instant.ofEpochMilli(now)).setSipStatus(status)
                    .setReason(reason).setHangupBy(by)
                    .setDurationMillis(answeredAt == null ? 0 : now - answeredAt);
            s.events().emit(e.build());
        }
        log.debug("call {} {}: {} {} by {}", callId, type, status, reason, by);
    }

    private void interim() {
        synchronized (this) {
            if (state != State.ANSWERED) return;
            interimSequence++;
            report(CallEventType.INTERIM, interimSequence, System.currentTimeMillis(), null);
        }
    }

    private void report(CallEventType type, int sequence, long now, String reason) {
        if (accountId == null) return;
        if (type == CallEventType.ATTEMPT) attemptReported = true;
        if (!attemptReported) return;
        CallEvent.Builder e = event(type, sequence, now).setReason(reason);
        if (answeredAt != null) e.setDurationMillis(now - answeredAt);
        s.events().emit(e.build());
    }

    private CallEvent.Builder event(CallEventType type, int sequence, long now) {
        return CallEvent.newBuilder()
                .setEventId(callId + ":" + type + ":" + sequence)
                .setCallId(callId)
                .setAccountId(accountId)
                .setType(type)
                .setSequence(sequence)
                .setDirection(direction)
                .setEdgeId(s.settings().edgeId())
                .setTrunkId(trunkId != null ? trunkId : attempt.getSourceTrunkId())
                .setCallerId(verdict != null ? verdict.getCallerId() : null) // the From user is no caller ID until the router chose one
                .setDestination(verdict != null ? verdict.getDestination() : null)
                .setOccurredAt(Instant.ofEpochMilli(now))
                .setStartedAt(Instant.ofEpochMilli(startedAt))
                .setAnsweredAt(answeredAt == null ? null : Instant.ofEpochMilli(answeredAt));
    }

    @Override
    public String toString() { return "B2buaCall[" + callId + ", " + state + "]"; }

    /** For tests and /healthz: the kind of each target still to try. */
    synchronized List<TargetKind> remainingTargets() { return targets.stream().map(RouteTarget::getKind).toList(); }
}
