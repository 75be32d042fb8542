package io.sipstream.edge.registrar;

/**
 * One registered contact of an account: where to reach a softphone until {@code expiresAt},
 * and the address its REGISTER came from (for a contact behind NAT).
 */
public record Binding(String contact, long expiresAt, String callId, long cseq, String sourceIp, int sourcePort,
                      String transport, String userAgent) {

    public long remainingSeconds(long nowMillis) { return Math.max(0, (expiresAt - nowMillis + 999) / 1000); }

    public boolean expired(long nowMillis) { return expiresAt <= nowMillis; }
}
