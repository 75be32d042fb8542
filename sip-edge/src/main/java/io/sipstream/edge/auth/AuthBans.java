package io.sipstream.edge.auth;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A temporary ban of a source IP after repeated authentication failures (password guessing):
 * {@code banAfter} failures, each within {@code banDuration} of the previous one, ban the source
 * for {@code banDuration}; its messages are dropped meanwhile. A success clears the count.
 */
public final class AuthBans {
    private final int banAfter;
    private final long banMillis;
    private final Map<String, Failures> failures = new ConcurrentHashMap<>();

    private record Failures(int count, long lastMillis, long bannedUntil) {}

    public AuthBans(int banAfter, Duration banDuration) {
        this.banAfter = banAfter;
        this.banMillis = banDuration.toMillis();
    }

    /** Counts a failure; true when it bans the source (it was not banned before). */
    public boolean recordFailure(String ip, long nowMillis) {
        boolean[] banned = new boolean[1];
        failures.compute(ip, (k, f) -> {
            int count = f == null || nowMillis - f.lastMillis() > banMillis ? 1 : f.count() + 1;
            long until = count >= banAfter ? nowMillis + banMillis : f == null ? 0 : f.bannedUntil();
            banned[0] = until > nowMillis && (f == null || f.bannedUntil() <= nowMillis);
            return new Failures(count, nowMillis, until);
        });
        return banned[0];
    }

    public void recordSuccess(String ip) { failures.remove(ip); }

    public boolean isBanned(String ip, long nowMillis) {
        Failures f = failures.get(ip);
        return f != null && f.bannedUntil() > nowMillis;
    }

    /** Sources banned now. */
    public long bannedCount(long nowMillis) {
        return failures.values().stream().filter(f -> f.bannedUntil() > nowMillis).count();
    }

    public void purge(long nowMillis) {
        failures.entrySet().removeIf(e -> nowMillis - e.getValue().lastMillis() > banMillis && e.getValue().bannedUntil() < nowMillis);
    }
}
