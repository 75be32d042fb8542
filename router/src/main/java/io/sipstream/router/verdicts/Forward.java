package io.sipstream.router.verdicts;

import io.sipstream.avro.Account;
import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.RoutingVerdict;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The forwards of a received call an account may set, each optional: where the call goes when the owner's phones
 * do not answer in time, answer busy, are not there, or fail. Each names the RFC 5806 reason its targets carry, so
 * that the edge sends a Diversion header naming the dialled number and why (a voicemail system opens that box with
 * that greeting: busy, or unavailable).
 */
enum Forward {
    NO_ANSWER("no-answer target", "no-answer", Account::getNoAnswerTarget, RoutingVerdict.Builder::setNoAnswerTargets),
    BUSY("busy target", "user-busy", Account::getBusyTarget, RoutingVerdict.Builder::setBusyTargets),
    UNAVAILABLE("unavailable target", "unavailable", Account::getUnavailableTarget, RoutingVerdict.Builder::setUnavailableTargets),
    // a phone that fails (5xx, silence) is unavailable to its caller: voicemail plays that greeting
    FAILURE("failure target", "unavailable", Account::getFailureTarget, RoutingVerdict.Builder::setFailureTargets);

    /** A forward target in place of the owner's phones: {@code forwardTarget}. */
    static final String UNCONDITIONAL = "unconditional";

    final String what;
    final String diversionReason;
    private final Function<Account, String> target;
    private final BiConsumer<RoutingVerdict.Builder, List<RouteTarget>> setter;

    Forward(String what, String diversionReason, Function<Account, String> target,
            BiConsumer<RoutingVerdict.Builder, List<RouteTarget>> setter) {
        this.what = what;
        this.diversionReason = diversionReason;
        this.target = target;
        this.setter = setter;
    }

    /** The account's target of this forward; null when it has none. */
    String of(Account account) {
        String t = target.apply(account);
        return t == null || t.isBlank() ? null : t;
    }

    void set(RoutingVerdict.Builder verdict, List<RouteTarget> targets) { setter.accept(verdict, diverted(targets, diversionReason)); }

    /** The targets marked as a forward for this reason. */
    static List<RouteTarget> diverted(List<RouteTarget> targets, String reason) {
        return targets.stream().map(t -> RouteTarget.newBuilder(t).setDiversionReason(reason).build()).toList();
    }
}
