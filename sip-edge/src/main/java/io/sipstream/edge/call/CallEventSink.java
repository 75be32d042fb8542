package io.sipstream.edge.call;

import io.sipstream.avro.CallEvent;

/**
 * Where a call's events go (call.events, through the edge's journal: edge.bus). Called on SIP and
 * timer threads under the call's lock, so it must not block: it queues, and waits only when the
 * journal's bounded queue is full (its disk stalled; new calls are refused by then), since an event
 * of a call that is up is never dropped.
 */
@FunctionalInterface
public interface CallEventSink {
    void emit(CallEvent event);

    /**
     * An answered call's ANSWERED event with the two dialogs it bridges (null when they are not known), kept
     * until the call ends so that an edge restarted after a crash can hang them up.
     */
    default void emit(CallEvent event, CallDialogs dialogs) { emit(event); }
}
