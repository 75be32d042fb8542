package io.sipstream.edge.call;

import java.time.Instant;

/**
 * A call in progress as an operator sees it ({@code GET /v1/calls}): taken under the call's lock, so its
 * fields agree with each other. {@code callerId} is the number the router chose to present (null: the call
 * went out anonymous, or has no verdict yet); {@code destination} the router's E.164 number, else what was
 * dialled; {@code trunkId} the trunk dialled (or, inbound, the one the call came from) once known.
 */
public record LiveCall(String callId, String accountId, String direction, String callerId, String destination, String trunkId,
                       State state, Instant startedAt, Instant answeredAt, long durationMillis) {

    /** Where the call is: waiting for the router's verdict, dialling its targets, or answered (bridged). */
    public enum State { ROUTING, DIALLING, ANSWERED }
}
