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

    public void recordFailure(String ip, long nowMillis) {
        failures.compute(ip, (k, f) -> {
            int count = f == null || nowMillis - f.lastMillis() > banMillis ? 1 : f.count() + 1;
            long until = count >= banAfter ? nowMillis + banMillis : f == null ? 0 : f.bannedUntil();
            return new Failures(count, nowMillis, until);
        });
    }

    public void recordSuccess(String ip) { failures.remove(ip); }

    public boolean isBanned(String ip, long nowMillis) {
        Failures f = failures.get(ip);
        return f != null && f.bannedUntil() > nowMillis;
    }

    public void purge(long nowMillis) {
        failures.entrySet().removeIf(e -> nowMillis - e.getValue().lastMillis() > banMillis && e.getValue().bannedUntil() < nowMillis);
    }
}
