package io.sipstream.edge.registrar;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One registered contact of an account: where to reach a softphone until {@code expiresAt},
 * and the address its REGISTER came from (for a contact behind NAT). With relaying between edges on
 * ({@code edge.peer.secret}), also the edge that holds the phone's flow ({@code edgeId}) and the SIP address
 * other edges reach that edge at ({@code edgeAddress}, a URI); both are null in bindings written without it,
 * and then left out of the stored JSON, so that edges of an older version read them as before.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Binding(String contact, long expiresAt, String callId, long cseq, String sourceIp, int sourcePort,
                      String transport, String userAgent, Integer edgeId, String edgeAddress) {

    /** A binding that names no edge (relaying off, or written by an edge of an older version). */
    public Binding(String contact, long expiresAt, String callId, long cseq, String sourceIp, int sourcePort,
                   String transport, String userAgent) {
        this(contact, expiresAt, callId, cseq, sourceIp, sourcePort, transport, userAgent, null, null);
    }

    public long remainingSeconds(long nowMillis) { return Math.max(0, (expiresAt - nowMillis + 999) / 1000); }

    public boolean expired(long nowMillis) { return expiresAt <= nowMillis; }

    /** Whether the phone's flow is at this edge: a binding that names no edge is everybody's, as before edges named theirs. */
    public boolean heldBy(int edge) { return edgeId == null || edgeId == edge; }
}
