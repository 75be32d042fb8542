package io.sipstream.edge.call;

import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Direction;
import io.sipstream.avro.HangupParty;
import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.TargetKind;
import io.sipstream.avro.Trunk;
import io.sipstream.avro.VerdictAction;
import io.sipstream.edge.log.CallMdc;
import io.sipstream.edge.media.LegProfile;
import io.sipstream.edge.media.MediaAnchor;
import io.sipstream.edge.media.MediaMode;
import io.sipstream.edge.media.MediaRelay;
import io.sipstream.edge.media.MediaReport;
import io.sipstream.edge.media.Sdp;
import io.sipstream.edge.media.ng.NgException;
import io.sipstream.edge.overload.SetupLimiter;
import io.sipstream.edge.sip.ReceivedAt;
import io.sipstream.edge.sip.SipEndpoint;
import io.sipstream.edge.sip.SipResponder;
import io.sipstream.edge.sip.Withheld;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import javax.sip.ServerTransaction;
import javax.sip.address.URI;
import javax.sip.header.ContactHeader;
import javax.sip.header.Header;
import javax.sip.header.ReferToHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call through the edge: the caller's leg, the legs dialled for it and the rules between
 * them. It waits for the router's verdict (no verdict in time: 503, never routed), has the
 * verdict's targets dialled ({@link Hunt}), relays progress and the answer, then bridges two
 * legs: in-dialog requests cross over, and BYE, CANCEL, the maximum duration or a billing block
 * end both, and so does a side whose peer stops refreshing or answering its session timer
 * ({@link SessionTimer}: the call ends at that peer's last proof of life). A REFER from a trunk that
 * allows it hands one side over to a new target ({@link Transfer}). Each step is reported as a call
 * event ({@link CallReport}).
 *
 * <p>Every method runs under the call's lock: SIP threads, the verdict consumer and timers all
 * call in, and nothing here waits on Redis or Kafka (lookups go through {@link CallScheduler#offload}).
 */
public final class B2buaCall {
    private static final Logger log = LoggerFactory.getLogger(B2buaCall.class);

    /**
     * 3xx responses a call follows at most: each one is a new question to the router and a new call for
     * billing, and a longer chain is a loop between trunks or a trunk bouncing calls, not a forward of a forward.
     */
    static final int MAX_REDIRECTS = 3;

    enum State { AWAITING_VERDICT, DIALLING, ANSWERED, ENDED }

    private final SipEndpoint sip;
    private final SipResponder responder;
    private final CallRegistry registry;
    private final AccountBlocks blocks;
    private final CallScheduler scheduler;
    private final EdgeMetrics metrics;
    private final RouterClient router;
    private final CallReports reports;
    private final Dialling dialling;
    private final int retryAfterSeconds;
    private final Duration interimInterval;
    private final Duration maxCallDuration;
    private final SessionTimer.Settings sessionTimers;
    /** The edge's media relay; null when none is configured (media.rtpengine): every call's media then passes end to end. */
    private final MediaRelay relay;
    /** The calling account's media mode as stored (null: none, or a trunk's call). */
    private final String accountMedia;
    /** This call's media on the relay, once its offer was answered; null for a call whose media passes end to end. */
    private MediaAnchor media;
    /** The relay's SDP for the callee in place of the caller's (an anchored call's INVITEs carry it). */
    private byte[] anchoredOffer;
    /** What each side's media speaks in an anchored call: the relay's SDP toward a side is made for it. */
    private LegProfile callerProfile = LegProfile.RTP;
    private LegProfile calleeProfile = LegProfile.RTP;
    /** An anchored late offer (the caller's INVITE had no SDP) whose answer, in the caller's ACK, has not gone to the relay yet. */
    private boolean lateOffer;
    /** That late offer's call must be anchored ({@code anchor}): a relay failing on it fails the call. */
    private boolean lateOfferRequired;
    /** The side whose 2xx to a re-INVITE without SDP brought an offer the relay took: the other side's ACK brings the answer. */
    private CallLeg lateReofferedBy;
    /** Marks an anchored late offer in {@link #anchored}: nothing was offered to the relay yet. */
    private static final byte[] LATE_OFFER = new byte[0];
    private final String callId;
    private final CallAttempt attempt;
    /** The events of the call as billing sees it now: the caller's attempt, then a followed redirect's or a transfer's. */
    private CallReport report;
    private ScheduledFuture<?> maxDurationTimer;
    private final List<ScheduledFuture<?>> timers = new ArrayList<>();
    private volatile String accountId;
    private State state = State.AWAITING_VERDICT;
    private CallerLeg caller;
    private Hunt hunt;
    private RoutingVerdict verdict;
    /** The router routed it as an emergency call: no block refuses or ends it, and its caller ID is never withheld. */
    private volatile boolean emergency;
    private RouterQuestion question;
    private ScheduledFuture<?> noAnswerTimer;
    /** The call has gone to a forward of the verdict's (no answer, busy, unavailable, failure): it forwards no more. */
    private boolean noAnswerPhase;
    private int redirects;
    private int transfers;
    private Transfer transfer;
    /** Once answered, the two bridged legs: the caller's side and the callee's side (a transfer may replace either). */
    private CallLeg callerSide;
    private CallLeg calleeSide;
    /** The meters of the trunk an inbound call came from (null for an account's call). */
    private TrunkMetrics.Trunk inboundMeters;

    /** See {@link CallStarter} for what the edge's settings among these mean. */
    B2buaCall(CallAttempt attempt, long startedAt, SipEndpoint sip, SipResponder responder, CallRegistry registry,
              AccountBlocks blocks, CallScheduler scheduler, EdgeMetrics metrics, RouterClient router, CallReports reports,
              Dialling dialling, int retryAfterSeconds, Duration interimInterval, Duration maxCallDuration,
              SessionTimer.Settings sessionTimers, MediaRelay relay, String accountMedia) {
        this.sip = sip;
        this.relay = relay;
        this.accountMedia = accountMedia;
        this.responder = responder;
        this.registry = registry;
        this.blocks = blocks;
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.router = router;
        this.reports = reports;
        this.dialling = dialling;
        this.retryAfterSeconds = retryAfterSeconds;
        this.interimInterval = interimInterval;
        this.maxCallDuration = maxCallDuration;
        this.sessionTimers = sessionTimers;
        this.attempt = attempt;
        this.callId = attempt.getCallId();
        this.accountId = attempt.getAccountId();
        this.report = reports.of(attempt, startedAt);
    }

    /**
     * Takes over the caller's INVITE (already answered 100 Trying) and asks the router. False when
     * a call with this Call-ID is already in progress (a loop or a merged request) or the caller
     * cancelled the INVITE while it was being authenticated.
     */
    synchronized boolean start(PendingInvite pending, long now) throws Exception {
        CallMdc.put(callId); // from here the thread works for this call (its scheduler clears the tag)
        ServerTransaction invite = pending.invite();
        if (!registry.add(this, pending.callId())) {
            responder.reject(invite, Response.LOOP_DETECTED, "a call with this Call-ID is in progress");
            return false;
        }
        if (!pending.handOver()) { // the caller's CANCEL came first and has answered the INVITE 487
            state = State.ENDED; // whoever found it in the registry meanwhile (a block, a shutdown) finds it over
            registry.remove(this);
            return false;
        }
        // an account's phone may be behind NAT; a trunk's call keeps to its Contact and route set
        CallerHop source = attempt.getDirection() == Direction.OUTBOUND
                ? CallerHop.of(attempt.getSourceIp(), attempt.getSourcePort(), attempt.getTransport()) : null;
        caller = new CallerLeg(this, sip, responder, invite, attempt.getTransport(), source);
        if (attempt.getDirection() == Direction.INBOUND) {
            inboundMeters = metrics.trunks().inbound(attempt.getSourceTrunkId());
            inboundMeters.attempt();
        }
        hunt = new Hunt(this, dialling, huntOwner, caller.request(), this::callerIdFor);
        report.attempt(now);
        ask(attempt, pending.takeAdmission());
        return true;
    }

    public String callId() { return callId; }

    public String accountId() { return accountId; }

    EdgeMetrics metrics() { return metrics; }

    synchronized State state() { return state; }

    SessionTimer.Settings sessionTimers() { return sessionTimers; }

    CallScheduler scheduler() { return scheduler; }

    /** {@code admission}: the caller's INVITE's place in set-up, which the verdict ends (null for a redirect's question). */
    private void ask(CallAttempt a, SetupLimiter.Admission admission) {
        question = router.ask(this, a, admission, new RouterQuestion.Answer() {
            @Override
            public void onVerdict(RoutingVerdict v) { routed(v); }

            @Override
            public void onNoVerdict(String reason) {
                // a call no verdict allowed is never routed
                if (state == State.AWAITING_VERDICT) {
                    fail(Response.SERVICE_UNAVAILABLE, reason, HangupParty.SYSTEM, responder.retryAfter(retryAfterSeconds));
                }
            }
        });
    }

    // ---- the router's answer

    /** A verdict for this call (or an alias of it); ignored unless the call or its transfer waits for it. */
    public synchronized void onVerdict(RoutingVerdict v) {
        if (transfer != null) transfer.onVerdict(v);
        if (question != null && state == State.AWAITING_VERDICT) question.verdict(v);
    }

    private void routed(RoutingVerdict v) {
        long now = System.currentTimeMillis();
        verdict = v;
        report.verdict(v);
        if (accountId == null && v.getAccountId() != null) {
            accountId = v.getAccountId();
            report.account(accountId);
        }
        report.attempt(now);
        log.debug("call {}: verdict {} {}, {} targets", callId, v.getAction(), v.getSipStatus(), v.getTargets().size());
        if (v.getAction() == VerdictAction.REJECT) {
            fail(rejectStatus(v), v.getReason().isBlank() ? "rejected by the router" : v.getReason(), HangupParty.SYSTEM,
                    responder.q850Reason(v.getQ850Cause()));
            return;
        }
        List<RouteTarget> targets = v.getTargets();
        emergency = v.getEmergency();
        AccountBlocks.Block block = emergency ? null : blocks.blockOf(accountId);
        if (block != null) {
            targets = BlockScope.left(attempt.getDirection(), targets); // a blocked account still receives calls
            if (targets.isEmpty()) {
                fail(block.sipStatus(), block.reason(), HangupParty.SYSTEM);
                return;
            }
        }
        state = State.DIALLING;
        if (v.getNoAnswerSeconds() > 0 && !v.getNoAnswerTargets().isEmpty() && noAnswerTimer == null) {
            noAnswerTimer = scheduler.after(Duration.ofSeconds(v.getNoAnswerSeconds()), this::onNoAnswer);
            timers.add(noAnswerTimer);
        }
        if (relay != null && anchorMedia(targets)) return; // the hunt starts once the relay has answered
        hunt.start(targets, accountId);
    }

    // ---- media through the relay (rtpengine)

    /**
     * Whether this call's media goes through the relay: the strongest mode of its trunks (the inbound call's, the
     * targets') asks for it, and for {@code auto} a leg needs it: the caller is behind NAT ({@link Sdp#behindNat}), or
     * either side is a browser ({@link WebRtc}: rtpengine bridges its DTLS-SRTP and ICE to plain RTP). A late offer (an
     * INVITE without SDP) is anchored when the callee's 2xx brings the offer and the caller's ACK the answer. When
     * anchored, the offer goes to rtpengine off the call's thread, and the hunt starts with the relay's SDP; no instance
     * answering fails an {@code anchor} call 503 and lets an {@code auto} call's media pass end to end.
     */
    private boolean anchorMedia(List<RouteTarget> targets) {
        MediaMode mode = mediaMode(targets);
        if (mode == MediaMode.PASSTHROUGH) return false;
        byte[] offer = Bodies.sdpOf(caller.request());
        LegProfile from = caller.webRtc(caller.request()) ? LegProfile.WEBRTC : LegProfile.RTP;
        boolean needed = mode == MediaMode.ANCHOR || from == LegProfile.WEBRTC || offer != null && Sdp.behindNat(offer, attempt.getSourceIp());
        RouteTarget first = targets.isEmpty() ? null : targets.get(0);
        // auto, and no leg needs the relay unless the callee is a browser, which only a REGISTERED target's contacts tell
        if (!needed && !WebRtc.target(first) && (first == null || first.getKind() != TargetKind.REGISTERED)) return false;
        // a redirect's new verdict re-offers on the instance that holds the call already
        MediaAnchor anchor = media != null ? media : relay.anchor(callId);
        String source = attempt.getSourceIp();
        scheduler.offload(() -> {
            LegProfile to = calleeProfile(first);
            if (!needed && to == LegProfile.RTP) {
                anchored(targets, mode, null, null, null, from, to);
                return;
            }
            if (offer == null) { // a late offer: the callee's 2xx brings it ({@link #lateOffer})
                anchored(targets, mode, anchor, LATE_OFFER, null, from, to);
                return;
            }
            byte[] relayed = null;
            String failure = null;
            try {
                relayed = anchor.offer(offer, source, to);
            } catch (NgException e) {
                failure = e.getMessage();
            }
            anchored(targets, mode, anchor, relayed, failure, from, to);
        }, () -> anchored(targets, mode, anchor, null, "the edge's I/O is busy", from, LegProfile.RTP));
        return true;
    }

    /**
     * What the callee's side speaks, as the first target tells (the relay's offer is made once, before the hunt): a URI
     * over WS or WSS, or a REGISTERED target whose contacts are all browsers, is WebRTC; a trunk is RTP. Reads the
     * contacts (Redis): off the SIP threads. A hunt that moves on to a target of the other kind keeps this offer.
     */
    private LegProfile calleeProfile(RouteTarget first) {
        if (WebRtc.target(first)) return LegProfile.WEBRTC;
        if (first == null || first.getKind() != TargetKind.REGISTERED) return LegProfile.RTP;
        String owner = first.getAccountId() != null ? first.getAccountId() : accountId;
        try {
            return WebRtc.contacts(dialling.bindings().current(owner, System.currentTimeMillis())) ? LegProfile.WEBRTC : LegProfile.RTP;
        } catch (RuntimeException e) {
            log.warn("call {}: the contacts of {} unknown, its media offered as plain RTP: {}", callId, owner, e.toString());
            return LegProfile.RTP;
        }
    }

    /** {@code anchor} null: the call's media needs no relay (auto, and no leg asks for it). */
    private synchronized void anchored(List<RouteTarget> targets, MediaMode mode, MediaAnchor anchor, byte[] relayed, String failure,
                                       LegProfile from, LegProfile to) {
        if (state != State.DIALLING) { // the caller left meanwhile: the relay lets the call go
            if (relayed != null && relayed != LATE_OFFER) deleteMedia(anchor);
            return;
        }
        if (relayed == LATE_OFFER) {
            media = anchor;
            lateOffer = true;
            lateOfferRequired = mode == MediaMode.ANCHOR;
            callerProfile = from;
            calleeProfile = to;
        } else if (relayed != null) {
            media = anchor;
            anchoredOffer = relayed;
            callerProfile = from;
            calleeProfile = to;
            metrics.media().anchored();
        } else if (anchor != null && mode == MediaMode.ANCHOR) {
            metrics.media().relayFailed();
            fail(Response.SERVICE_UNAVAILABLE, "no media relay answers: " + failure, HangupParty.SYSTEM,
                    responder.retryAfter(retryAfterSeconds));
            return;
        } else if (anchor != null) {
            metrics.media().relayFailed();
            log.warn("call {}: media passes end to end, no relay answers: {}", callId, failure);
        }
        hunt.start(targets, accountId);
    }

    /** The strongest media mode of the calling account and the trunks the call touches: the one it came in on, the ones it may leave on. */
    private MediaMode mediaMode(List<RouteTarget> targets) {
        MediaMode mode = MediaMode.orPassthrough(accountMedia);
        if (attempt.getSourceTrunkId() != null) mode = mode.or(modeOf(dialling.trunks().get(attempt.getSourceTrunkId())));
        for (RouteTarget t : targets) if (t.getTrunkId() != null) mode = mode.or(modeOf(dialling.trunks().get(t.getTrunkId())));
        return mode;
    }

    private static MediaMode modeOf(Trunk trunk) { return trunk == null ? null : MediaMode.orPassthrough(trunk.getMedia()); }

    /** The relay's SDP for the callee in place of the caller's offer; null when the call's media passes end to end. */
    byte[] anchoredOffer() { return anchoredOffer; }

    /**
     * A callee's SDP (a 183's or the 200's) goes to the relay, off the call's thread, and {@code then} relays the
     * response with the relay's SDP under the call's lock; null SDP when the relay failed (then says why).
     */
    private void answerMedia(Response response, java.util.function.BiConsumer<byte[], String> then) {
        MediaAnchor anchor = media;
        byte[] sdp = Bodies.sdpOf(response);
        scheduler.offload(() -> {
            byte[] relayed = null;
            String failure = null;
            try {
                relayed = anchor.answer(sdp, callerProfile);
            } catch (NgException e) {
                failure = e.getMessage();
            }
            synchronized (B2buaCall.this) {
                then.accept(relayed, failure);
            }
        }, () -> then.accept(null, "the edge's I/O is busy"));
    }

    /** Ends the call on the relay, off the call's thread; what the relay saw is logged. */
    private void deleteMedia(MediaAnchor anchor) { closeMedia(anchor, () -> { }, null); }

    /**
     * Ends the call on the relay off the call's thread, then {@code closed} (the closing event) with what the relay saw
     * in {@code report}: the ENDED or FAILED event of an anchored call waits for that one request. Without an answer
     * the event goes without it, and rtpengine's own timeout frees the call's ports.
     */
    private void closeMedia(MediaAnchor anchor, Runnable closed, CallReport report) {
        scheduler.offload(() -> {
            try {
                MediaReport seen = anchor.delete();
                metrics.media().ended(seen);
                log.debug("call {}: media {}", callId, seen);
                if (report != null) report.media(MediaDiagnostics.of(seen, anchor.instance()));
            } catch (NgException e) {
                log.warn("call {}: the relay did not end its media (its own timeout will): {}", callId, e.getMessage());
            }
            synchronized (this) {
                closed.run();
            }
        }, () -> {
            log.warn("call {}: the relay's media not ended, the edge's I/O is busy (rtpengine's timeout will)", callId);
            closed.run();
        });
    }

    /** What the relay has seen of this call's media so far, asked now (network I/O: off the SIP threads); null when not anchored. */
    public MediaReport mediaReport() throws NgException {
        MediaAnchor anchor;
        synchronized (this) {
            anchor = media;
        }
        return anchor == null ? null : anchor.query();
    }

    /** Whether the router routed this call as an emergency call (RoutingVerdict.emergency). */
    boolean emergency() { return emergency; }

    static int rejectStatus(RoutingVerdict v) { return v.getSipStatus() >= 300 && v.getSipStatus() < 700 ? v.getSipStatus() : 403; }

    /**
     * The caller ID a target is dialled with: the target's own, else the verdict's, else none (null:
     * the leg goes out anonymous). Never the caller's own From user: the router presents only numbers
     * the account owns, and the edge must not assert anything it did not choose (RFC 3325).
     */
    String callerIdFor(RouteTarget target) {
        if (target.getFromUser() != null && !target.getFromUser().isBlank()) return target.getFromUser();
        if (verdict != null && verdict.getCallerId() != null && !verdict.getCallerId().isBlank()) return verdict.getCallerId();
        return null;
    }

    // ---- what the hunt for the verdict's targets says

    private final Hunt.Owner huntOwner = new Hunt.Owner() {
        @Override
        public void onProgress(CalleeLeg leg, Response provisional) {
            if (media != null && Bodies.sdpOf(provisional) != null) { // early media through the relay
                answerMedia(provisional, (sdp, failure) -> {
                    if (sdp != null) progress(provisional, sdp);
                    else log.warn("call {}: {} not relayed, the relay failed: {}", callId, provisional.getStatusCode(), failure);
                });
                return;
            }
            progress(provisional, null);
        }

        private void progress(Response provisional, byte[] sdp) {
            if (state != State.DIALLING || caller.finalSent()) return; // no 1xx after the caller's final response
            caller.provisional(provisional, sdp);
            report.trunk(hunt.trunkId());
            int status = provisional.getStatusCode();
            if (status == Response.RINGING || status == Response.SESSION_PROGRESS) report.ringing(System.currentTimeMillis());
        }

        @Override
        public void onAnswer(CalleeLeg leg, Response answer) {
            if (state != State.DIALLING) {
                leg.ack(null);
                leg.cancel();
                return;
            }
            if (lateOffer && Bodies.sdpOf(answer) != null) {
                lateOffer(leg, answer);
                return;
            }
            if (media != null && Bodies.sdpOf(answer) != null) {
                answerMedia(answer, (sdp, failure) -> {
                    if (state != State.DIALLING) {
                        leg.ack(null);
                        leg.cancel();
                    } else if (sdp != null) {
                        answered(leg, answer, sdp);
                    } else {
                        leg.ack(null);
                        leg.cancel();
                        fail(Response.SERVICE_UNAVAILABLE, "the media relay failed on the answer: " + failure, HangupParty.SYSTEM);
                    }
                });
                return;
            }
            answered(leg, answer, null);
        }

        @Override
        public boolean onRedirect(CalleeLeg leg, Response redirect) { return followRedirect(leg, redirect); }

        @Override
        public void onExhausted(int status, String reason) {
            if (state == State.DIALLING && !forwardOn(status, reason)) fail(status, reason, HangupParty.CALLEE);
        }
    };

    /**
     * A late offer's 2xx: its SDP is the callee's offer, which goes to the relay (the call's first, picking the instance)
     * and reaches the caller as the relay's; the caller's ACK brings the answer ({@link #onAck}). The relay failing fails
     * an {@code anchor} call 503, as on an offer, and lets an {@code auto} call's media pass end to end.
     */
    private void lateOffer(CalleeLeg leg, Response answer) {
        MediaAnchor anchor = media;
        byte[] sdp = Bodies.sdpOf(answer);
        LegProfile to = callerProfile;
        viaRelay("a late offer", () -> anchor.offer(MediaReport.CALLEE, sdp, null, to), relayed -> lateOffered(leg, answer, relayed, anchor));
    }

    private void lateOffered(CalleeLeg leg, Response answer, byte[] relayed, MediaAnchor anchor) {
        if (state != State.DIALLING) { // the caller left meanwhile (the call's end found nothing on the relay yet)
            leg.ack(null);
            leg.cancel();
            if (relayed != null) deleteMedia(anchor);
            return;
        }
        if (relayed != null) {
            metrics.media().anchored();
            answered(leg, answer, relayed);
            return;
        }
        metrics.media().relayFailed();
        lateOffer = false;
        media = null;
        if (lateOfferRequired) {
            leg.ack(null);
            leg.cancel();
            fail(Response.SERVICE_UNAVAILABLE, "the media relay failed on a late offer", HangupParty.SYSTEM);
        } else {
            log.warn("call {}: media passes end to end, the relay failed on a late offer", callId);
            answered(leg, answer, null);
        }
    }

    /** {@code sdp}: the relay's in place of the callee's, for an anchored call. */
    private void answered(CalleeLeg leg, Response answer, byte[] sdp) {
        // the answer's time is when the edge relays the 200, taken before its sends: the caller's talk starts there.
        // Not when the 200 was read (ReceivedAt): that counts the 200's wait for a SIP thread, which the caller never
        // talked. Not after the sends either: a thread descheduled between them would lag the caller's own clock and
        // bill less than was talked. The end stays at the BYE's reading (end), so a caller who hangs up is billed what
        // it held, plus the send and read latencies only. The trade-off: when the callee hangs up, the caller is billed
        // from the relay, less than the trunk's talk by the 200's wait in the queue.
        long now = System.currentTimeMillis();
        if (noAnswerTimer != null) noAnswerTimer.cancel(false);
        report.trunk(hunt.trunkId());
        state = State.ANSWERED;
        if (inboundMeters != null) inboundMeters.outcome(answer.getStatusCode());
        callerSide = caller;
        calleeSide = leg;
        caller.answer(answer, sdp);
        if (caller.offeredSdp()) leg.ack(null); // else the caller's ACK carries the answer to the offer in the 200
        caller.startSessionTimer(now);
        leg.startSessionTimer(now);
        report.answered(now, caller.legDialog(), leg.legDialog());
        timers.add(scheduler.every(interimInterval, this::interim));
        limitDuration(verdict);
    }

    /** (Re)arms the answered call's maximum duration from now: this verdict's limit or the edge's own. */
    private void limitDuration(RoutingVerdict v) {
        if (maxDurationTimer != null) maxDurationTimer.cancel(false);
        maxDurationTimer = null;
        Duration max = maxDuration(v == null ? null : v.getMaxDurationSeconds(), maxCallDuration);
        if (max != null) {
            maxDurationTimer = scheduler.after(max, () -> terminate(Response.FORBIDDEN, "maximum call duration reached"));
            timers.add(maxDurationTimer);
        }
    }

    /**
     * How long an answered call may last: the verdict's limit (a prepaid balance), the edge's own
     * (edge.max.call.duration, so a call whose peers vanish without a BYE does not run and bill
     * forever), the smaller when both are set; null when neither is.
     */
    static Duration maxDuration(Integer verdictSeconds, Duration edgeLimit) {
        Duration fromVerdict = verdictSeconds != null && verdictSeconds > 0 ? Duration.ofSeconds(verdictSeconds) : null;
        Duration own = edgeLimit != null && edgeLimit.isPositive() ? edgeLimit : null;
        if (fromVerdict == null) return own;
        if (own == null) return fromVerdict;
        return fromVerdict.compareTo(own) <= 0 ? fromVerdict : own;
    }

    /** A 3xx: followed only through the router (a new attempt) and only when the trunk allows it. */
    private boolean followRedirect(CalleeLeg leg, Response response) {
        Trunk trunk = leg.trunk();
        ContactHeader contact = (ContactHeader) response.getHeader(ContactHeader.NAME);
        if (state != State.DIALLING || trunk == null || !trunk.getAllowRedirect() || contact == null
                || redirects >= MAX_REDIRECTS) {
            return false;
        }
        redirects++;
        CallAttempt redirect = newAttempt(callId + ";redirect-" + redirects, contact.getAddress().getURI(), attempt.getDirection());
        state = State.AWAITING_VERDICT;
        // billing rates each destination on its own: the attempt redirected is over (FAILED with the 3xx),
        // what follows is reported under the redirect's id with its own verdict's destination
        long now = System.currentTimeMillis();
        report.trunk(trunk.getTrunkId());
        report.end(CallEventType.FAILED, response.getStatusCode(), "redirected: " + response.getReasonPhrase(), HangupParty.CALLEE, now);
        report = reports.of(redirect, now);
        report.attempt(now);
        ask(redirect, null);
        return true;
    }

    /** A new attempt of this call's account for another destination (a redirect or a transfer). */
    CallAttempt newAttempt(String id, URI to, Direction direction) {
        return CallAttempt.newBuilder(attempt)
                .setCallId(id)
                .setAccountId(accountId)
                .setDirection(direction)
                .setDialled(Identities.userOf(to))
                .setRequestUri(to.toString())
                .setRedirectOf(callId)
                .setReceivedAt(Instant.ofEpochMilli(System.currentTimeMillis()))
                .build();
    }

    /**
     * The verdict's targets all failed: the account's forward for that cause (busy, unavailable, failure) is dialled
     * instead, once a call, and never after a forward (a voicemail busy in its turn does not forward again).
     */
    private boolean forwardOn(int status, String reason) {
        ForwardCause cause = ForwardCause.of(status);
        if (cause == null || noAnswerPhase || verdict == null) return false;
        List<RouteTarget> targets = cause.targets(verdict);
        if (!targets.isEmpty() && blocks.blockOf(accountId) != null) targets = BlockScope.left(attempt.getDirection(), targets);
        if (targets.isEmpty()) return false;
        noAnswerPhase = true;
        if (noAnswerTimer != null) noAnswerTimer.cancel(false);
        log.debug("call {}: {} ({} {}), forwarded", callId, cause, status, reason);
        hunt.replace(targets, status, reason);
        return true;
    }

    /** The number a forwarded leg names in its Diversion header: the destination the caller dialled, as the router read it. */
    String diversionNumber() { return verdict == null ? null : verdict.getDestination(); }

    private synchronized void onNoAnswer() {
        if (state != State.DIALLING || noAnswerPhase) return;
        noAnswerPhase = true;
        List<RouteTarget> targets = verdict.getNoAnswerTargets();
        if (blocks.blockOf(accountId) != null) targets = BlockScope.left(attempt.getDirection(), targets);
        if (targets.isEmpty()) return; // blocked since the verdict: the phones ring on
        hunt.replace(targets, Response.TEMPORARILY_UNAVAILABLE, "no answer");
    }

    // ---- in-dialog traffic

    synchronized void onAck(CallLeg from, Request ack) {
        if (from == caller && calleeSide instanceof CalleeLeg leg && !leg.acked() && lateOffer && Bodies.sdpOf(ack) != null) {
            lateAnswer(leg, ack);
        } else if (from == caller && calleeSide instanceof CalleeLeg leg && !leg.acked()) {
            leg.ack(ack); // the answer to a late offer in the first INVITE
        } else if (state == State.ANSWERED && (from == callerSide || from == calleeSide)) {
            CallLeg offerer = peerOf(from);
            if (lateReofferedBy == offerer && media != null && Bodies.sdpOf(ack) != null) lateReanswer(offerer, ack);
            else offerer.settleAck(ack); // the answer to a late offer in a relayed re-INVITE
        }
    }

    /** The caller's answer to an anchored late offer goes to the relay, and the callee's ACK carries the relay's; a failure ends the call. */
    private void lateAnswer(CalleeLeg leg, Request ack) {
        lateOffer = false;
        MediaAnchor anchor = media;
        byte[] sdp = Bodies.sdpOf(ack);
        LegProfile to = calleeProfile;
        String source = attempt.getSourceIp();
        viaRelay("the answer to a late offer", () -> anchor.answer(MediaReport.CALLEE, sdp, to, source),
                relayed -> lateAnswered(leg, ack, relayed));
    }

    private void lateAnswered(CalleeLeg leg, Request ack, byte[] relayed) {
        leg.ack(relayed == null ? null : ack, relayed);
        if (relayed == null) terminate(Response.SERVICE_UNAVAILABLE, "the media relay failed on the answer to a late offer");
    }

    synchronized void onBye(CallLeg from) {
        if (state == State.ANSWERED && transfer != null && transfer.referrer() == from) {
            transfer.referrerLeft(); // a transferor may hang up once its REFER is accepted; the transfer goes on
            return;
        }
        if (state == State.ANSWERED && (from == callerSide || from == calleeSide)) {
            boolean byCaller = from == callerSide;
            peerOf(from).sendBye();
            end(CallEventType.ENDED, Response.OK, byCaller ? "caller hung up" : "callee hung up",
                    byCaller ? HangupParty.CALLER : HangupParty.CALLEE);
        } else if (from == caller && state != State.ENDED && state != State.ANSWERED) {
            fail(Response.REQUEST_TERMINATED, "caller hung up", HangupParty.CALLER);
        }
    }

    /** The other side of the bridge. */
    CallLeg peerOf(CallLeg leg) { return leg == callerSide ? calleeSide : callerSide; }

    /**
     * A re-INVITE, UPDATE or INFO from one side, relayed to the other. A re-INVITE or UPDATE refreshes the session
     * of the side it came on (RFC 4028): one asking for less than the edge's Min-SE is refused 422, and an UPDATE
     * without a body, a session refresh and nothing else, is answered here (each side's timer is its own).
     */
    synchronized void onRelay(CallLeg from, ServerTransaction st) throws Exception {
        if (state != State.ANSWERED || (from != callerSide && from != calleeSide) || transfer != null && transfer.busy()) {
            responder.respond(st, Response.REQUEST_PENDING);
            return;
        }
        Request request = st.getRequest();
        String method = request.getMethod();
        CallLeg to = peerOf(from);
        SessionTimer timer = from.sessionTimer();
        if (timer != null && (method.equals(Request.INVITE) || method.equals(Request.UPDATE))) {
            SessionTimer there = to.sessionTimer();
            if (method.equals(Request.INVITE) && (timer.reinviting() || there != null && there.reinviting())) {
                responder.respond(st, Response.REQUEST_PENDING); // it would cross a refresh of the edge's re-INVITE
                return;
            }
            SessionTimer.Answer a = timer.peerRefresh(request, System.currentTimeMillis());
            if (a.refused()) {
                SessionHeaders.refuse(responder, st, a.tooSmall());
                return;
            }
            if (method.equals(Request.UPDATE) && !Bodies.has(request)) {
                Response ok = responder.response(Response.OK, request);
                timer.addTo(ok, sip.headers());
                responder.send(st, ok);
                return;
            }
        }
        boolean anchored = media != null && media.anchored() && (method.equals(Request.INVITE) || method.equals(Request.UPDATE));
        byte[] offer = anchored ? Bodies.sdpOf(request) : null;
        if (offer != null) reofferMedia(from, to, st, offer);
        else if (anchored && method.equals(Request.INVITE) && !Bodies.has(request)) to.relay(st, from, null, lateReoffer(from, to));
        else to.relay(st, from);
    }

    /**
     * A re-INVITE without SDP in an anchored call: the 2xx of {@code to} brings its offer, which goes to the relay as that
     * side's, and the origin's ACK brings the answer ({@link #onAck}).
     */
    private RelayedRequest.MediaAnswer lateReoffer(CallLeg from, CallLeg to) {
        MediaAnchor anchor = media;
        String offerer = sideOf(to);
        LegProfile toward = profileOf(from);
        String source = sourceOf(to);
        return (sdp, then) -> viaRelay("a late re-offer", () -> anchor.offer(offerer, sdp, source, toward), relayed -> {
            lateReofferedBy = relayed == null ? null : to;
            then.accept(relayed);
            if (relayed == null) terminate(Response.SERVICE_UNAVAILABLE, "the media relay failed on a late re-offer");
        });
    }

    /** The answer to a late re-offer of {@code offerer}'s, in the ACK of the other side, goes to the relay and on in the ACK it is owed. */
    private void lateReanswer(CallLeg offerer, Request ack) {
        lateReofferedBy = null;
        MediaAnchor anchor = media;
        String tag = sideOf(offerer);
        LegProfile toward = profileOf(offerer);
        String source = sourceOf(peerOf(offerer));
        byte[] sdp = Bodies.sdpOf(ack);
        viaRelay("the answer to a late re-offer", () -> anchor.answer(tag, sdp, toward, source), relayed -> {
            if (relayed != null) offerer.settleAck(ack, relayed);
            else terminate(Response.SERVICE_UNAVAILABLE, "the media relay failed on the answer to a late re-offer");
        });
    }

    /**
     * A re-INVITE's or UPDATE's offer in an anchored call updates the same call on the relay (off the call's thread),
     * and goes on with the relay's SDP; its answer goes through the relay too. The relay failing refuses the request
     * 500 (the session stays as it was, RFC 3261 14.1); failing on the answer ends the call, as on the first answer.
     */
    private void reofferMedia(CallLeg from, CallLeg to, ServerTransaction st, byte[] offer) {
        MediaAnchor anchor = media;
        String offerer = sideOf(from);
        LegProfile toward = profileOf(to);
        LegProfile back = profileOf(from);
        String source = sourceOf(from);
        viaRelay("a re-offer", () -> anchor.offer(offerer, offer, source, toward),
                relayed -> reoffered(from, to, st, relayed, anchor, offerer, back));
    }

    private void reoffered(CallLeg from, CallLeg to, ServerTransaction st, byte[] relayed, MediaAnchor anchor, String offerer,
                           LegProfile back) {
        if (state != State.ANSWERED || peerOf(from) != to) {
            responder.respond(st, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST);
            return;
        }
        if (relayed == null) {
            responder.respond(st, Response.SERVER_INTERNAL_ERROR, responder.retryAfter(retryAfterSeconds));
            return;
        }
        try {
            String source = sourceOf(to);
            to.relay(st, from, relayed, (sdp, then) -> viaRelay("a re-offer's answer", () -> anchor.answer(offerer, sdp, back, source),
                    answer -> {
                        then.accept(answer);
                        if (answer == null) terminate(Response.SERVICE_UNAVAILABLE, "the media relay failed on a re-offer's answer");
                    }));
        } catch (Exception e) {
            log.warn("call {}: a re-offer not relayed: {}", callId, e.toString());
            responder.respond(st, Response.SERVER_INTERNAL_ERROR);
        }
    }

    /** A bridged leg's tag on the relay: the caller's side or the callee's. */
    private String sideOf(CallLeg leg) { return leg == callerSide ? MediaReport.CALLER : MediaReport.CALLEE; }

    private LegProfile profileOf(CallLeg leg) { return leg == callerSide ? callerProfile : calleeProfile; }

    /** Where a leg's signalling comes from, for the relay to reach a phone behind NAT: the caller's; null for a dialled side. */
    private String sourceOf(CallLeg leg) { return leg == caller ? attempt.getSourceIp() : null; }

    /** An ng request that returns the relay's SDP. */
    private interface RelayRequest {
        byte[] send() throws NgException;
    }

    /**
     * Sends {@code request} off the call's thread, then {@code then} under the call's lock with the relay's SDP, or null
     * when rtpengine refused or did not answer, or the edge's I/O is busy (logged, naming {@code what}).
     */
    private void viaRelay(String what, RelayRequest request, java.util.function.Consumer<byte[]> then) {
        scheduler.offload(() -> {
            byte[] relayed = null;
            try {
                relayed = request.send();
            } catch (NgException e) {
                log.warn("call {}: the relay failed on {}: {}", callId, what, e.getMessage());
            }
            synchronized (this) {
                then.accept(relayed);
            }
        }, () -> {
            synchronized (this) {
                log.warn("call {}: {} not sent to the relay, the edge's I/O is busy", callId, what);
                then.accept(null);
            }
        });
    }

    /**
     * A side's session timer ran out (RFC 4028): its peer stopped refreshing, or did not answer the edge's refresh.
     * Both sides get a BYE, and the call ends at that peer's last proof of life ({@code lastHeard}), which is what
     * billing charges to: a phone that vanished is not billed until the edge's maximum duration.
     */
    synchronized void sessionExpired(CallLeg leg, long lastHeard, String why) {
        if (state != State.ANSWERED || (leg != callerSide && leg != calleeSide)) return;
        String side = leg == callerSide ? "caller" : "callee";
        calleeSide.sendBye();
        callerSide.sendBye();
        end(CallEventType.ENDED, Response.REQUEST_TIMEOUT, "session timer: the " + side + " " + why, null, HangupParty.SYSTEM,
                System.currentTimeMillis(), lastHeard);
    }

    /**
     * REFER (RFC 3515): only from a trunk that allows transfers (never from an account's phone),
     * then the other side is connected to the Refer-To target through the router.
     */
    synchronized void onRefer(CallLeg from, ServerTransaction st) {
        Trunk trunk = trunkOf(from);
        if (trunk == null || !trunk.getAllowRefer()) {
            responder.reject(st, Response.FORBIDDEN, "REFER is not allowed");
            return;
        }
        if (state != State.ANSWERED || (from != callerSide && from != calleeSide)) {
            responder.reject(st, Response.REQUEST_PENDING, "the call is not established");
            return;
        }
        if (transfer != null) {
            responder.reject(st, Response.REQUEST_PENDING, "a transfer is in progress");
            return;
        }
        ReferToHeader referTo = (ReferToHeader) st.getRequest().getHeader(ReferToHeader.NAME);
        if (referTo == null || referTo.getAddress() == null) {
            responder.reject(st, Response.BAD_REQUEST, "REFER without Refer-To");
            return;
        }
        transfers++;
        CallAttempt a = newAttempt(callId + ";refer-" + transfers, referTo.getAddress().getURI(), Direction.OUTBOUND);
        responder.respond(st, Response.ACCEPTED);
        transfer = new Transfer(this, router, dialling, blocks, from, peerOf(from), a, reports.of(a, System.currentTimeMillis()));
        transfer.start();
    }

    /** The trunk a leg talks to: the dialled trunk, or for an inbound call's caller the trunk it came from. */
    private Trunk trunkOf(CallLeg leg) {
        if (leg instanceof CalleeLeg callee) return callee.trunk();
        return attempt.getDirection() == Direction.INBOUND ? dialling.trunks().get(attempt.getSourceTrunkId()) : null;
    }

    /**
     * The transfer succeeded: the call billed so far ends (hung up by the referrer's side) and the
     * new leg is a call of its own from now (the transfer's report: its id, OUTBOUND, its verdict's
     * destination and limit), with the transferee as its caller and the new leg as its callee.
     */
    void transferred(Transfer t, CalleeLeg replacement, CallReport newReport, RoutingVerdict newVerdict) {
        if (t != transfer) return;
        long now = System.currentTimeMillis();
        HangupParty left = t.referrer() == callerSide ? HangupParty.CALLER : HangupParty.CALLEE;
        report.end(CallEventType.ENDED, Response.OK, "transferred", left, now);
        callerSide = t.transferee();
        calleeSide = replacement;
        t.referrer().stopSessionTimer(); // hung up once it has the last NOTIFY
        replacement.startSessionTimer(now);
        if (replacement.trunk() != null) newReport.trunk(replacement.trunk().getTrunkId());
        report = newReport;
        verdict = newVerdict;
        report.answered(now, callerSide.legDialog(), calleeSide.legDialog());
        limitDuration(newVerdict);
        transfer = null;
    }

    /** The transfer is over without a new leg; if the referrer has left meanwhile, so has the call. */
    void transferFailed(Transfer t) {
        if (t != transfer) return;
        transfer = null;
        if (t.referrerGone() && state == State.ANSWERED) {
            CallLeg transferee = t.transferee();
            transferee.sendBye();
            end(CallEventType.ENDED, Response.OK, "transfer failed after the transferor left",
                    transferee == callerSide ? HangupParty.CALLEE : HangupParty.CALLER);
        }
    }

    /** Whether this CANCEL is for the caller's INVITE (its transaction, not only its Call-ID: {@link CancelHandler#matches}). */
    synchronized boolean isCancelledBy(Request cancel) { return caller != null && CancelHandler.matches(cancel, caller.request()); }

    /** The caller's CANCEL: the dialled legs are cancelled and the INVITE answered 487. */
    public synchronized void onCallerCancel() {
        if (state == State.ANSWERED || state == State.ENDED) return;
        fail(Response.REQUEST_TERMINATED, "cancelled by the caller", HangupParty.CALLER);
    }

    /** A dialog timed out (a 2xx never acknowledged): both legs are ended. */
    synchronized void onLegLost(CallLeg leg) {
        if (state == State.ANSWERED && (leg == callerSide || leg == calleeSide)) {
            calleeSide.sendBye();
            callerSide.sendBye();
            end(CallEventType.ENDED, Response.REQUEST_TIMEOUT, "a leg was lost", HangupParty.SYSTEM);
        }
    }

    /**
     * Billing blocked the account: the call ends ({@link #terminate}) if the account pays for it (see
     * {@link BlockScope}): an outbound call, a received call forwarded over a trunk or being transferred;
     * a call it receives on its phones goes on.
     */
    public synchronized void onBlocked(int status, String reason) {
        if (emergency) return; // an emergency call is never cut for the account's money
        boolean received = attempt.getDirection() == Direction.INBOUND;
        boolean paid = switch (state) {
            case AWAITING_VERDICT -> !received; // a received call's verdict meets the block in routed()
            case DIALLING -> !received || hunt.ringsTrunk();
            case ANSWERED -> !received || transfer != null || dialledTrunk(callerSide) || dialledTrunk(calleeSide);
            case ENDED -> false;
        };
        if (paid) terminate(status, reason);
    }

    /** A leg the edge dialled over a trunk (a transfer may have put one on either side). */
    private static boolean dialledTrunk(CallLeg leg) { return leg instanceof CalleeLeg dialled && dialled.trunk() != null; }

    /** The reason of the closing event of a call an operator hung up ({@link #hangUpByOperator}). */
    public static final String ENDED_BY_OPERATOR = "ended by the operator";

    /** What an operator sees of the call now; null once it has ended. */
    public synchronized LiveCall live(long now) {
        LiveCall.State shown = switch (state) {
            case AWAITING_VERDICT -> LiveCall.State.ROUTING;
            case DIALLING -> LiveCall.State.DIALLING;
            case ANSWERED -> LiveCall.State.ANSWERED;
            case ENDED -> null;
        };
        return shown == null ? null : report.live(callId, shown, hunt == null ? null : hunt.trunkId(), now);
    }

    /**
     * An operator hangs the call up ({@code DELETE /v1/calls/{id}}): answered, BYE on both legs and an ENDED
     * event; still setting up, CANCEL to the legs ringing and 487 to the caller, and a FAILED event; either
     * with {@link #ENDED_BY_OPERATOR} as its reason and the system as the party that hung up. False when the
     * call had ended already.
     */
    public synchronized boolean hangUpByOperator() {
        if (state == State.ENDED) return false;
        terminate(Response.REQUEST_TERMINATED, ENDED_BY_OPERATOR);
        return true;
    }

    /** Ends the call from the edge's side (billing block, max duration): BYE on both legs, or a final failure before the answer. */
    public synchronized void terminate(int status, String reason) {
        switch (state) {
            case ANSWERED -> {
                calleeSide.sendBye();
                callerSide.sendBye();
                end(CallEventType.ENDED, Response.OK, reason, HangupParty.SYSTEM);
            }
            case AWAITING_VERDICT, DIALLING -> fail(status, reason, HangupParty.SYSTEM);
            case ENDED -> { }
        }
    }

    // ---- the end

    /**
     * The call fails before it is answered. Its reason may be the router's, billing's or about a trunk, so the
     * caller gets the status and a reference; the log line and the FAILED event get the reason with the reference.
     */
    private void fail(int status, String reason, HangupParty by, Header... extra) {
        hunt.cancelAll();
        report.trunk(hunt.trunkId());
        Withheld why = Withheld.of(reason);
        log.info("call {} failed {} ref={}: {}", callId, status, why.ref(), reason);
        // counted before the caller hears it, so that whoever reads the meters after the answer sees it counted
        metrics.reject(status);
        if (inboundMeters != null && state != State.ENDED) inboundMeters.outcome(status);
        caller.reject(status, why, extra);
        end(CallEventType.FAILED, status, reason, why.ref(), by);
    }

    private void end(CallEventType type, int status, String reason, HangupParty by) { end(type, status, reason, null, by); }

    /** {@code ref}: the reference the caller was given for the reason (a failure), else null. */
    private void end(CallEventType type, int status, String reason, String ref, HangupParty by) {
        // ended when the datagram that ends it (a BYE, a CANCEL, a failure) was read, not when a SIP thread got to it
        end(type, status, reason, ref, by, System.currentTimeMillis(), ReceivedAt.orNow());
    }

    /** {@code endedAt}: when the call ended as billing counts it (a vanished peer's last proof of life; else {@code now}). */
    private void end(CallEventType type, int status, String reason, String ref, HangupParty by, long now, long endedAt) {
        if (state == State.ENDED) return;
        state = State.ENDED;
        timers.forEach(t -> t.cancel(false));
        timers.clear();
        if (question != null) question.close();
        if (transfer != null) transfer.abort(by);
        transfer = null;
        registry.remove(this);
        MediaAnchor anchored = media != null && media.anchored() ? media : null; // a late offer's may never have reached the relay
        media = null;
        CallReport closing = report;
        if (anchored == null) closing.end(type, status, reason, ref, by, now, endedAt);
        else closeMedia(anchored, () -> closing.end(type, status, reason, ref, by, now, endedAt), closing);
        log.debug("call {} {}: {} {} by {}", callId, type, status, reason, by);
        letGo();
    }

    /**
     * The stack keeps an ended call's transactions and dialogs for up to 32 s (RFC 3261 Timers J and D); they must
     * not keep the call, or every call's INVITEs, legs and Avro records reach the old generation. The legs leave
     * their dialogs, and the call forgets what only a call in progress needs (a leg still waiting for the answer to
     * its CANCEL keeps the call until then).
     */
    private void letGo() {
        for (CallLeg leg : new CallLeg[] {caller, callerSide, calleeSide}) if (leg != null) leg.release();
        callerSide = null;
        calleeSide = null;
        verdict = null;
        question = null;
    }

    private void interim() {
        synchronized (this) {
            if (state == State.ANSWERED) report.interim(System.currentTimeMillis());
        }
    }

    @Override
    public String toString() { return "B2buaCall[" + callId + ", " + state + "]"; }

    /** For tests: the dialogs of the two bridged legs, caller's side first (the stack keeps them after the call). */
    synchronized List<javax.sip.Dialog> bridgedDialogs() { return List.of(callerSide.dialog(), calleeSide.dialog()); }

    /** For tests: the two bridged legs, caller's side first. */
    synchronized List<CallLeg> bridgedLegs() { return List.of(callerSide, calleeSide); }

    /** For tests and /healthz: the kind of each target still to try. */
    synchronized List<TargetKind> remainingTargets() { return hunt.remaining(); }
}
