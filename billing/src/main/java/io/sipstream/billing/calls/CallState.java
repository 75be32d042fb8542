package io.sipstream.billing.calls;

import io.sipstream.rating.RateSnapshot;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What billing knows of one live call (store {@code calls}, key {@code accountId|callId}): merged
 * from its events in whatever order they came. A finished call leaves only its end time in the
 * window store {@code closed-calls}, so that late and repeated events are recognised and ignored.
 */
public final class CallState {
    public String callId;
    public String accountId;
    public String direction;
    public String callerId;
    public String destination;
    public String trunkId;
    public long startedAt;
    public Long answeredAt;
    /** Answered time the edge last reported (INTERIM), in milliseconds. */
    public long durationMillis;
    public int sipStatus;
    /** The rate fixed when the call was first seen; null while unrated. */
    public RateSnapshot rate;
    /** Why the call has no rate, when it has none. */
    public String unrated;
    /** Wall-clock time billing first saw the call and last heard of it. */
    public long openedWall;
    public long lastHeardWall;
    /** Event ids applied so far. */
    public Set<String> seenEvents = new LinkedHashSet<>();

    public boolean answered() { return answeredAt != null || durationMillis > 0; }

    public static String key(String accountId, String callId) { return accountId + "|" + callId; }
}
