package io.sipstream.edge.call;

import io.sipstream.avro.CallEvent;

/**
 * Where a call's events go (call.events, through the edge's journal: edge.bus). Called on SIP and
 * timer threads under the call's lock, so it must not block.
 */
@FunctionalInterface
public interface CallEventSink {
    void emit(CallEvent event);
}
