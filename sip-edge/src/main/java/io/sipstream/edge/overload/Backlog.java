package io.sipstream.edge.overload;

/**
 * Work the calls already up need done, queued with a bound: while it is nearly full, new INVITEs are refused
 * (503 with Retry-After, on the SIP thread) so that the room left is theirs. The call events' queue to the
 * journal is one (edge.events.queue.capacity): it fills only while the journal's disk is slow or stalled.
 */
public interface Backlog {
    /** Items queued now. */
    int queued();

    /** Whether a new call must be refused now; asked on the SIP thread for every new INVITE, so a read of a counter. */
    boolean refusesNewCalls();
}
