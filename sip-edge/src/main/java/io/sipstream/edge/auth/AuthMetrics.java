package io.sipstream.edge.auth;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.ToDoubleFunction;

/**
 * Who tries to get in: digest challenges sent, authentication failures by kind ({@code forbidden}: wrong
 * credentials or no such account, {@code bad_request}: a digest for another Request-URI), bans by scope
 * ({@code user}: one user from one source, {@code source}: the whole source), sources with a ban now, and
 * requests dropped unanswered by reason ({@code banned}, {@code rate}: a source over its per-IP rate,
 * {@code trunk_rate}: a trunk over its rate). Tagged by kind only: a source address or a username would make
 * a series of every scanner.
 */
public final class AuthMetrics {
    private final Counter challenges;
    private final Counter forbidden;
    private final Counter badRequests;
    private final Counter userBans;
    private final Counter sourceBans;

    public AuthMetrics(MeterRegistry registry, AuthBans banned, RequestGuard guard) {
        this.challenges = Counter.builder("sipstream.edge.auth.challenges")
                .description("401 digest challenges sent (every call and registration starts with one)").register(registry);
        this.forbidden = failures(registry, "forbidden");
        this.badRequests = failures(registry, "bad_request");
        this.userBans = bans(registry, "user");
        this.sourceBans = bans(registry, "source");
        Gauge.builder("sipstream.edge.auth.banned.sources", banned, b -> b.bannedCount(System.currentTimeMillis()))
                .description("source addresses with a ban now, of the whole source or of one of its users").register(registry);
        dropped(registry, guard, "banned", RequestGuard::droppedBanned);
        dropped(registry, guard, "rate", RequestGuard::droppedOverRate);
        dropped(registry, guard, "trunk_rate", RequestGuard::droppedOverTrunkRate);
    }

    private static Counter failures(MeterRegistry registry, String kind) {
        return Counter.builder("sipstream.edge.auth.failures").tag("kind", kind)
                .description("authentication failures, by kind; each counts toward a ban (never from a trunk's source)").register(registry);
    }

    private static Counter bans(MeterRegistry registry, String scope) {
        return Counter.builder("sipstream.edge.auth.bans").tag("scope", scope)
                .description("bans after repeated authentication failures: of a user at a source (edge.auth.ban.after), "
                        + "or of a whole source (edge.auth.ban.source.users)").register(registry);
    }

    private static void dropped(MeterRegistry registry, RequestGuard guard, String reason, ToDoubleFunction<RequestGuard> count) {
        FunctionCounter.builder("sipstream.edge.sip.dropped", guard, count).tag("reason", reason)
                .description("SIP requests dropped unanswered before any handling: a ban, edge.ratelimit.per.second, "
                        + "or edge.ratelimit.trunk.per.second").register(registry);
    }

    void challenge() { challenges.increment(); }

    void forbidden() { forbidden.increment(); }

    void badRequest() { badRequests.increment(); }

    void banned(AuthBans.Ban scope) {
        switch (scope) {
            case USER -> userBans.increment();
            case SOURCE -> sourceBans.increment();
            case NONE -> { }
        }
    }
}
