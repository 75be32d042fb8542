package io.sipstream.edge.relay;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sip.address.Hop;

/**
 * One dialog this edge relays between another edge ({@code peer}, where its INVITE came from) and a phone whose flow
 * is here ({@code phone}, where the phone's REGISTER came from). The relay keeps no transactions: for each request it
 * forwards it keeps the branch it put in its own Via, so that a retransmission goes out as the same transaction and a
 * response finds its way back. Only the two ends may use the dialog.
 */
final class RelayedCall {
    /** How long a dialog's Call-ID is still relayed after it ended: a retransmitted BYE, a late ACK (RFC 3261's 64*T1). */
    static final long LINGER_MILLIS = 32_000;

    /** A request forwarded: its sender's branch, and whether it went to the phone. */
    record Forwarded(String senderBranch, boolean towardsPhone) {}

    final String callId;
    final Hop peer;
    final Hop phone;
    final long startedAt;
    private final Map<String, String> ourBranchOf = new ConcurrentHashMap<>();
    private final Map<String, Forwarded> forwarded = new ConcurrentHashMap<>();
    private volatile long endsAt = Long.MAX_VALUE;

    RelayedCall(String callId, Hop peer, Hop phone, long startedAt) {
        this.callId = callId;
        this.peer = peer;
        this.phone = phone;
        this.startedAt = startedAt;
    }

    /** The branch of the relay's Via for the request of this sender's branch: the same for its retransmissions. */
    String branchFor(String senderBranch, boolean towardsPhone, java.util.function.Supplier<String> newBranch) {
        return ourBranchOf.computeIfAbsent(senderBranch + (towardsPhone ? ">" : "<"), k -> {
            String ours = newBranch.get();
            forwarded.put(ours, new Forwarded(senderBranch, towardsPhone));
            return ours;
        });
    }

    /** The request the relay forwarded with this branch; null for a branch it never used. */
    Forwarded forwardedAs(String ourBranch) { return forwarded.get(ourBranch); }

    boolean isPeer(String ip, int port) { return peer.getHost().equals(ip) && peer.getPort() == port; }

    boolean isPhone(String ip, int port) { return phone.getHost().equals(ip) && phone.getPort() == port; }

    /** The dialog ended (or never started): its Call-ID is let go after the linger. */
    void ended(long now) { endsAt = Math.min(endsAt, now + LINGER_MILLIS); }

    /**
     * Over: ended and lingered, and older than a signature stays fresh (a replay of its signed INVITE still finds it
     * and is refused as not coming from an end), or older than any call may last.
     */
    boolean over(long now, long maxAgeMillis) {
        return endsAt <= now && now - startedAt > PeerSignature.MAX_SKEW.toMillis() || now - startedAt > maxAgeMillis;
    }
}
