package io.sipstream.edge.auth;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sip.message.Request;

/**
 * Temporary bans after repeated authentication failures (password guessing), counted per source
 * IP and user (the user a request claims: {@link ClaimedUser}), so that one phone with a wrong
 * password behind an office's NAT does not shut out the office:
 * <ul>
 *   <li>{@code banAfter} failures of one user from one source, each within {@code banDuration} of
 *       the previous one, ban that user from that source for {@code banDuration};</li>
 *   <li>failures of {@code sourceBanUsers} different users from one source, each within
 *       {@code banDuration} of its previous failure, ban the whole source (a scanner trying names).</li>
 * </ul>
 * A success clears the user's count. A banned request is dropped unanswered ({@link RequestGuard}).
 * Sources on a trunk's allow-list are never counted nor banned (the callers see to that).
 */
public final class AuthBans {
    private final int banAfter;
    private final int sourceBanUsers;
    private final long banMillis;
    private final Map<String, Source> sources = new ConcurrentHashMap<>();

    private record Failures(int count, long lastMillis, long bannedUntil) {}

    /** One source's failures; changed under its own lock, read without it (the fields a request reads are volatile). */
    private static final class Source {
        final Map<String, Failures> users = new ConcurrentHashMap<>();
        volatile long bannedUntil;       // the whole source
        volatile long userBannedUntil;   // the latest end of a ban of one of its users: none active, no user lookup
        volatile long lastMillis;
    }

    public AuthBans(int banAfter, int sourceBanUsers, Duration banDuration) {
        this.banAfter = banAfter;
        this.sourceBanUsers = sourceBanUsers;
        this.banMillis = banDuration.toMillis();
    }

    /** What a failure did: nothing new, or a new ban of the user from the source, or of the whole source. */
    public enum Ban { NONE, USER, SOURCE }

    /** Counts a failure of {@code user} from {@code ip}; says whether it banned someone not banned before. */
    public Ban recordFailure(String ip, String user, long nowMillis) {
        Source s = sources.computeIfAbsent(ip, k -> new Source());
        synchronized (s) {
            Failures f = s.users.get(user);
            int count = f == null || nowMillis - f.lastMillis() > banMillis ? 1 : f.count() + 1;
            long until = count >= banAfter ? nowMillis + banMillis : f == null ? 0 : f.bannedUntil();
            boolean userBanned = until > nowMillis && (f == null || f.bannedUntil() <= nowMillis);
            s.users.put(user, new Failures(count, nowMillis, until));
            s.userBannedUntil = Math.max(s.userBannedUntil, until);
            s.lastMillis = nowMillis;
            long failingUsers = s.users.values().stream().filter(u -> nowMillis - u.lastMillis() <= banMillis).count();
            if (failingUsers >= sourceBanUsers) {
                boolean sourceBanned = s.bannedUntil <= nowMillis;
                s.bannedUntil = nowMillis + banMillis;
                if (sourceBanned) return Ban.SOURCE;
            }
            return userBanned ? Ban.USER : Ban.NONE;
        }
    }

    public void recordSuccess(String ip, String user) {
        Source s = sources.get(ip);
        if (s == null) return;
        synchronized (s) {
            s.users.remove(user);
        }
    }

    public boolean isBanned(String ip, String user, long nowMillis) {
        Source s = sources.get(ip);
        if (s == null) return false;
        if (s.bannedUntil > nowMillis) return true;
        if (s.userBannedUntil <= nowMillis) return false;
        Failures f = user == null ? null : s.users.get(user);
        return f != null && f.bannedUntil() > nowMillis;
    }

    /** Whether this request's source, or its source and claimed user, is banned; the user is read only when that matters. */
    public boolean isBanned(String ip, Request request, long nowMillis) {
        Source s = sources.get(ip); // the common case: one lookup, nothing recorded against the source
        if (s == null) return false;
        if (s.bannedUntil > nowMillis) return true;
        if (s.userBannedUntil <= nowMillis) return false;
        return isBanned(ip, ClaimedUser.of(request), nowMillis);
    }

    /** Sources with a ban now, of the whole source or of one of its users. */
    public long bannedCount(long nowMillis) {
        return sources.values().stream().filter(s -> s.bannedUntil > nowMillis || s.userBannedUntil > nowMillis).count();
    }

    public void purge(long nowMillis) {
        sources.entrySet().removeIf(e -> {
            Source s = e.getValue();
            synchronized (s) {
                s.users.entrySet().removeIf(u -> nowMillis - u.getValue().lastMillis() > banMillis && u.getValue().bannedUntil() < nowMillis);
                return s.users.isEmpty() && s.bannedUntil < nowMillis;
            }
        });
    }
}
