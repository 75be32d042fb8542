package io.sipstream.router.channels;

import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.TargetKind;
import io.sipstream.avro.VerdictAction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The account side of the trunks' channel count: which trunk with a limit each call of the
 * account's partitions holds (key accountId NUL callId), and the claims that tell the trunks'
 * counters ({@link TrunkChannels}, keyed by trunk) when a call takes a channel, is answered on it,
 * moves to another trunk or lets it go.
 *
 * <p>A call takes its first target's trunk when the router routes it, so that a burst is counted
 * before the edge reports anything; the edge's events then say where it really is (RINGING,
 * ANSWERED and INTERIM carry the trunk: a failover moves the call to the next trunk) and ENDED or
 * FAILED free it. Only the first claim, a change of trunk or of answered, and a renewal at half the
 * counter's expiry age are sent: INTERIMs of a call that stays put cost nothing. A call whose end
 * was lost is forgotten after the same ages as the live calls of the account limits.
 */
public final class TrunkSeats {
    private static final char SEPARATOR = '\u0000';
    private static final StringSerializer KEYS = new StringSerializer();

    /** A claim for the counter of trunk {@code trunkId}. */
    public record Claim(String trunkId, TrunkClaim claim) {}

    private final KeyValueStore<String, Seat> seats;
    private final TrunkLimits limits;
    private final long pendingMaxAgeMs;
    private final long liveMaxAgeMs;

    public TrunkSeats(KeyValueStore<String, Seat> seats, TrunkLimits limits, Duration pendingMaxAge, Duration liveMaxAge) {
        this.seats = seats;
        this.limits = limits;
        this.pendingMaxAgeMs = pendingMaxAge.toMillis();
        this.liveMaxAgeMs = liveMaxAge.toMillis();
    }

    /**
     * The router's verdict for a call of {@code accountId}: a routed call takes its first target's
     * trunk if that trunk has a channel limit (a call read again after a fail-over keeps the seat it
     * has); a refused one lets go of any seat it had.
     */
    public List<Claim> onVerdict(RoutingVerdict verdict, long now) {
        String accountId = verdict.getAccountId();
        if (accountId == null) return List.of();
        String key = key(accountId, verdict.getCallId());
        if (verdict.getAction() == VerdictAction.REJECT) return leave(key, seats.get(key));
        RouteTarget first = verdict.getTargets().isEmpty() ? null : verdict.getTargets().getFirst();
        if (first == null || first.getKind() != TargetKind.TRUNK || limits.maxChannels(first.getTrunkId()) == 0) return List.of();
        if (seats.get(key) != null) return List.of();
        seats.put(key, new Seat(first.getTrunkId(), false, now));
        return List.of(new Claim(first.getTrunkId(), TrunkClaim.hold(verdict.getCallId(), false)));
    }

    /** The edge's report of a call: where it rings or talks now, or that it is over. */
    public List<Claim> onEvent(CallEvent event, long now) {
        String key = key(event.getAccountId(), event.getCallId());
        CallEventType type = event.getType();
        if (type == CallEventType.ATTEMPT) return List.of(); // no trunk yet
        Seat seat = seats.get(key);
        if (type == CallEventType.ENDED || type == CallEventType.FAILED) return leave(key, seat);
        String trunkId = event.getTrunkId();
        if (limits.maxChannels(trunkId) == 0) return leave(key, seat); // on a trunk without a limit (now)
        boolean sameTrunk = seat != null && seat.trunkId().equals(trunkId);
        boolean answered = type != CallEventType.RINGING || sameTrunk && seat.answered();
        if (sameTrunk && seat.answered() == answered && now - seat.claimedAt() < maxAge(answered) / 2) return List.of();
        seats.put(key, new Seat(trunkId, answered, now));
        List<Claim> claims = new ArrayList<>(2);
        if (seat != null && !sameTrunk) claims.add(new Claim(seat.trunkId(), TrunkClaim.release(event.getCallId())));
        claims.add(new Claim(trunkId, TrunkClaim.hold(event.getCallId(), answered)));
        return claims;
    }

    private List<Claim> leave(String key, Seat seat) {
        if (seat == null) return List.of();
        seats.delete(key);
        return List.of(new Claim(seat.trunkId(), TrunkClaim.release(key.substring(key.indexOf(SEPARATOR) + 1))));
    }

    /**
     * Whether a call of the account holds a seat. A prefix scan of the in-memory store copies the
     * matching keys only, so for an account with none it costs a map lookup, not a scan.
     */
    public boolean seatsCallsOf(String accountId) {
        try (KeyValueIterator<String, Seat> calls = seats.prefixScan(accountId + SEPARATOR, KEYS)) {
            return calls.hasNext();
        }
    }

    /** Forgets the seats that have heard nothing for their maximum age (the counters expire theirs alike); returns how many. */
    public int sweep(long now) {
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, Seat> all = seats.all()) {
            while (all.hasNext()) {
                KeyValue<String, Seat> entry = all.next();
                if (now - entry.value.claimedAt() > maxAge(entry.value.answered())) expired.add(entry.key);
            }
        }
        expired.forEach(seats::delete);
        return expired.size();
    }

    private long maxAge(boolean answered) { return answered ? liveMaxAgeMs : pendingMaxAgeMs; }

    static String key(String accountId, String callId) { return accountId + SEPARATOR + callId; }
}
