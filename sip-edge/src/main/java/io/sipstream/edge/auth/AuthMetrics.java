package io.sipstream.edge.auth;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Who tries to get in: digest challenges sent, authentication failures by kind ({@code forbidden}: wrong
 * credentials or no such account, {@code bad_request}: a digest for another Request-URI), sources banned
 * for them and banned now, and requests dropped unanswered (a banned source, or one over its rate).
 * Tagged by kind only: a source address or a username would make a series of every scanner.
 */
public final class AuthMetrics {
    private final Counter challenges;
    private final Counter forbidden;
    private final Counter badRequests;
    private final Counter bans;

    public AuthMetrics(MeterRegistry registry, AuthBans banned, RequestGuard guard) {
        this.challenges = Counter.builder("sipstream.edge.auth.challenges")
                .description("401 digest challenges sent (every call and registration starts with one)").register(registry);
        this.forbidden = failures(registry, "forbidden");
        this.badRequests = failures(registry, "bad_request");
        this.bans = Counter.builder("sipstream.edge.auth.bans")
                .description("sources banned after repeated authentication failures (edge.auth.ban.after)").register(registry);
        Gauge.builder("sipstream.edge.auth.banned.sources", banned, b -> b.bannedCount(System.currentTimeMillis()))
                .description("source addresses banned now").register(registry);
        FunctionCounter.builder("sipstream.edge.sip.dropped", guard, RequestGuard::dropped)
                .description("SIP requests dropped unanswered: a banned source, or one over edge.ratelimit.per.second").register(registry);
    }

    private static Counter failures(MeterRegistry registry, String kind) {
        return Counter.builder("sipstream.edge.auth.failures").tag("kind", kind)
                .description("authentication failures, by kind; each counts toward its source's ban").register(registry);
    }

    void challenge() { challenges.increment(); }

    void forbidden() { forbidden.increment(); }

    void badRequest() { badRequests.increment(); }

    void banned() { bans.increment(); }
}
