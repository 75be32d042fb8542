package io.sipstream.edge.call;

import gov.nist.javax.sip.message.SIPResponse;
import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.HangupParty;
import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.VerdictAction;
import io.sipstream.edge.sip.ClientHandler;
import io.sipstream.edge.sip.Withheld;
import java.util.ArrayDeque;
import java.util.Deque;
import javax.sip.Dialog;
import javax.sip.ResponseEvent;
import javax.sip.header.CSeqHeader;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A REFER from a trunk that allows transfers (RFC 3515): the other side of the call (the
 * transferee) is connected to the Refer-To target. The target goes through the router as a new
 * attempt of the call's account ({@code redirectOf} set), never dialled blindly, and is dialled
 * with a late offer: its 2xx carries the SDP offer, which goes to the transferee in a re-INVITE,
 * and the transferee's answer goes back in the ACK. The referrer hears of the progress in NOTIFYs
 * (message/sipfrag: 100, 180, then the final status) and is hung up once the new leg is connected.
 * If the transfer fails the call goes on as it was (or ends, if the referrer has hung up meanwhile).
 * The new leg is billed as a call of its own ({@code <callId>;refer-N}, OUTBOUND, its verdict's
 * destination and caller ID): ATTEMPT when asked, RINGING, and ANSWERED once connected, when the
 * original call ends and the new one takes over the call's report; FAILED if it never connects.
 * Runs under the call's lock.
 */
final class Transfer implements Hunt.Owner {
    private static final Logger log = LoggerFactory.getLogger(Transfer.class);

    private enum State { ASKING, DIALLING, CONNECTING, DONE }

    private final B2buaCall call;
    private final RouterClient router;
    private final Dialling dialling;
    private final AccountBlocks blocks;
    private final CallLeg referrer;
    private final CallLeg transferee;
    private final CallAttempt attempt;
    private final CallReport report;
    private State state = State.ASKING;
    private RouterQuestion question;
    private RoutingVerdict verdict;
    private Hunt hunt;
    private CalleeLeg target;
    private boolean referrerGone;

    Transfer(B2buaCall call, RouterClient router, Dialling dialling, AccountBlocks blocks, CallLeg referrer, CallLeg transferee,
             CallAttempt attempt, CallReport report) {
        this.call = call;
        this.report = report;
        this.router = router;
        this.dialling = dialling;
        this.blocks = blocks;
        this.referrer = referrer;
        this.transferee = transferee;
        this.attempt = attempt;
    }

    CallLeg referrer() { return referrer; }

    CallLeg transferee() { return transferee; }

    boolean referrerGone() { return referrerGone; }

    /** While the transferee is being re-INVITEd, other in-dialog offers would cross it. */
    boolean busy() { return state == State.CONNECTING; }

    /** After the 202: asks the router about the Refer-To target. */
    void start() {
        notifyReferrer(Response.TRYING, "Trying", false);
        report.attempt(System.currentTimeMillis());
        question = router.ask(call, attempt, null, new RouterQuestion.Answer() {
            @Override
            public void onVerdict(RoutingVerdict v) { routed(v); }

            @Override
            public void onNoVerdict(String reason) {
                if (state == State.ASKING) fail(Response.SERVICE_UNAVAILABLE, reason, HangupParty.SYSTEM);
            }
        });
    }

    /** A verdict for the call: this transfer's, if it is the one its question awaits. */
    void onVerdict(RoutingVerdict v) {
        if (state == State.ASKING) question.verdict(v);
    }

    private void routed(RoutingVerdict v) {
        verdict = v;
        report.verdict(v);
        report.attempt(System.currentTimeMillis()); // a capped transfer announces itself at its verdict
        if (v.getAction() == VerdictAction.REJECT) {
            fail(B2buaCall.rejectStatus(v), v.getReason().isBlank() ? "rejected by the router" : v.getReason(), HangupParty.SYSTEM);
            return;
        }
        AccountBlocks.Block block = v.getEmergency() ? null : blocks.blockOf(call.accountId()); // no block stops an emergency call
        if (block != null) {
            fail(block.sipStatus(), block.reason(), HangupParty.SYSTEM);
            return;
        }
        state = State.DIALLING;
        hunt = new Hunt(call, dialling, this, null, this::callerIdFor);
        hunt.start(v.getTargets(), call.accountId());
    }

    private String callerIdFor(RouteTarget target) {
        if (target.getFromUser() != null && !target.getFromUser().isBlank()) return target.getFromUser();
        if (verdict.getCallerId() != null && !verdict.getCallerId().isBlank()) return verdict.getCallerId();
        return call.callerIdFor(target);
    }

    @Override
    public void onProgress(CalleeLeg leg, Response provisional) {
        int status = provisional.getStatusCode();
        if (state != State.DIALLING) return;
        report.trunk(hunt.trunkId());
        if (status == Response.RINGING || status == Response.SESSION_PROGRESS) {
            report.ringing(System.currentTimeMillis());
            notifyReferrer(status, SIPResponse.getReasonPhrase(status), false); // the target's own phrase is not the referrer's business
        }
    }

    @Override
    public void onAnswer(CalleeLeg leg, Response answer) {
        if (state != State.DIALLING) {
            leg.ack(null);
            leg.cancel();
            return;
        }
        target = leg;
        if (!Bodies.has(answer)) {
            dropTarget();
            fail(Response.NOT_ACCEPTABLE_HERE, "the transfer target answered without an SDP offer", HangupParty.CALLEE);
            return;
        }
        state = State.CONNECTING;
        try {
            transferee.reinvite(answer, new Reinvite());
        } catch (Exception e) {
            log.warn("call {}: transferee not re-INVITEd: {}", call.callId(), e.toString());
            dropTarget();
            fail(Response.SERVER_INTERNAL_ERROR, "the transferee could not be re-INVITEd", HangupParty.SYSTEM);
        }
    }

    @Override
    public boolean onRedirect(CalleeLeg leg, Response redirect) { return false; }

    @Override
    public void onExhausted(int status, String reason) {
        if (state == State.DIALLING) fail(status, reason, HangupParty.CALLEE);
    }

    /** The transferee's answer to the new leg's offer. */
    private final class Reinvite implements ClientHandler {
        @Override
        public void onResponse(ResponseEvent event) throws Exception {
            Response response = event.getResponse();
            int status = response.getStatusCode();
            if (status < 200) return;
            synchronized (call) {
                Dialog d = event.getDialog();
                if (status < 300 && d != null) d.sendAck(d.createAck(((CSeqHeader) response.getHeader(CSeqHeader.NAME)).getSeqNumber()));
                if (state != State.CONNECTING) return;
                if (status >= 300) {
                    dropTarget();
                    fail(status, "the transferee refused the new media: " + response.getReasonPhrase(), HangupParty.CALLER);
                    return;
                }
                transferee.sentBody(event.getClientTransaction().getRequest()); // the offer a session refresh repeats
                target.ack(response); // the transferee's answer to the target's offer
                connected();
            }
        }

        @Override
        public void onTimeout() {
            synchronized (call) {
                if (state != State.CONNECTING) return;
                dropTarget();
                fail(Response.REQUEST_TIMEOUT, "the transferee did not answer the re-INVITE", HangupParty.CALLER);
            }
        }

        @Override
        public String callId() { return call.callId(); }
    }

    private void connected() {
        state = State.DONE;
        // the referrer is hung up once it has the final NOTIFY (a BYE overtaking it would leave the NOTIFY no dialog)
        notifyReferrer(Response.OK, "OK", true, referrer::sendBye);
        call.transferred(this, target, report, verdict);
        log.debug("call {}: transferred to {}", call.callId(), attempt.getRequestUri());
    }

    private void dropTarget() {
        if (target == null) return;
        target.ack(null);
        target.sendBye();
    }

    /** The referrer (a carrier) hears the status and a reference; the reason, maybe the router's, goes to the log and the event. */
    private void fail(int status, String reason, HangupParty by) {
        state = State.DONE;
        if (question != null) question.close();
        if (hunt != null) hunt.cancelAll();
        if (hunt != null) report.trunk(hunt.trunkId());
        Withheld why = Withheld.of(reason);
        log.info("call {}: transfer to {} failed {} ref={}: {}", call.callId(), attempt.getRequestUri(), status, why.ref(), reason);
        report.end(CallEventType.FAILED, status, reason, why.ref(), by, System.currentTimeMillis());
        notifyReferrer(status, why.publicText(status), true);
        call.transferFailed(this);
    }

    /** The call ended (hung up by {@code by}) while the transfer was under way: the new leg never connected. */
    void abort(HangupParty by) {
        if (state == State.DONE) return;
        if (state == State.CONNECTING) dropTarget();
        state = State.DONE;
        if (question != null) question.close();
        if (hunt != null) hunt.cancelAll();
        if (hunt != null) report.trunk(hunt.trunkId());
        report.end(CallEventType.FAILED, Response.REQUEST_TERMINATED, "the call ended during the transfer", by, System.currentTimeMillis());
    }

    /** The referrer hung up after the 202 (a blind transfer): no more NOTIFYs, the transfer goes on. */
    void referrerLeft() { referrerGone = true; }

    private record Notification(int status, String reason, boolean last, Runnable after) {}

    private final Deque<Notification> notifications = new ArrayDeque<>();
    private boolean notifying;

    private void notifyReferrer(int status, String reason, boolean last) { notifyReferrer(status, reason, last, () -> { }); }

    /**
     * NOTIFYs go one at a time, each once the previous one is answered: sent together, a lost or
     * late first one would arrive after the next and be refused as out of order (a lower CSeq).
     */
    private void notifyReferrer(int status, String reason, boolean last, Runnable after) {
        if (referrerGone) return;
        notifications.add(new Notification(status, reason, last, after));
        if (!notifying) sendNextNotification();
    }

    private void sendNextNotification() {
        Notification n = notifications.poll();
        if (n == null || referrerGone) {
            notifying = false;
            return;
        }
        notifying = true;
        referrer.notifyRefer(n.status(), n.reason(), n.last(), () -> {
            synchronized (call) {
                n.after().run();
                sendNextNotification();
            }
        });
    }
}
