package io.sipstream.edge.call;

import io.sipstream.edge.overload.SetupLimiter;
import javax.sip.ServerTransaction;

/**
 * A new INVITE between its 100 Trying and the start of its call (while the edge authenticates
 * it, off the SIP thread). A CANCEL in that time must win: either it cancels the INVITE here
 * (200 to the CANCEL, 487 to the INVITE, and the call never starts), or the call has already
 * been handed over, is in the {@link CallRegistry}, and the CANCEL goes to it.
 *
 * <p>It holds the INVITE's admission into set-up until the call's question to the router takes it
 * over, or the INVITE is answered without one (then it is released).
 */
final class PendingInvite {
    private enum State { WAITING, CANCELLED, HANDED_OVER }

    private final String callId;
    private final ServerTransaction invite;
    private State state = State.WAITING;
    private SetupLimiter.Admission admission;

    PendingInvite(String callId, ServerTransaction invite, SetupLimiter.Admission admission) {
        this.callId = callId;
        this.invite = invite;
        this.admission = admission;
    }

    String callId() { return callId; }

    ServerTransaction invite() { return invite; }

    /** The caller's CANCEL; false when the call has been handed over (then cancel the call itself). */
    synchronized boolean cancel() {
        if (state == State.HANDED_OVER) return false;
        state = State.CANCELLED;
        return true;
    }

    /** The call takes over (it is in the registry already); false when a CANCEL came first. */
    synchronized boolean handOver() {
        if (state == State.CANCELLED) return false;
        state = State.HANDED_OVER;
        return true;
    }

    synchronized boolean cancelled() { return state == State.CANCELLED; }

    /** The admission, for the call's first question to the router (which ends it with the verdict); null once taken. */
    synchronized SetupLimiter.Admission takeAdmission() {
        SetupLimiter.Admission a = admission;
        admission = null;
        return a;
    }

    /** The INVITE was answered or its call started: an admission no question took ends here. */
    synchronized void releaseAdmission() {
        if (admission != null) admission.release();
        admission = null;
    }
}
