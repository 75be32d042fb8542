package io.sipstream.edge.call;

import javax.sip.ServerTransaction;

/**
 * A new INVITE between its 100 Trying and the start of its call (while the edge authenticates
 * it, off the SIP thread). A CANCEL in that time must win: either it cancels the INVITE here
 * (200 to the CANCEL, 487 to the INVITE, and the call never starts), or the call has already
 * been handed over, is in the {@link CallRegistry}, and the CANCEL goes to it.
 */
final class PendingInvite {
    private enum State { WAITING, CANCELLED, HANDED_OVER }

    private final String callId;
    private final ServerTransaction invite;
    private State state = State.WAITING;

    PendingInvite(String callId, ServerTransaction invite) {
        this.callId = callId;
        this.invite = invite;
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
}
