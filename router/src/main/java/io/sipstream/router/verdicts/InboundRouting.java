package io.sipstream.router.verdicts;

import io.sipstream.avro.Account;
import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.router.numbers.BarredPrefixes;
import io.sipstream.router.numbers.DialString;
import io.sipstream.router.numbers.E164Number;
import io.sipstream.router.numbers.NumberNormalizer;
import io.sipstream.router.verdicts.RouteResolver.Resolution;
import io.sipstream.router.verdicts.Targets.Caller;
import java.time.Duration;
import java.util.List;

/**
 * Decides a call that comes in from a trunk for one of the registry's numbers. A number bound to a
 * trunk (a DID binding, registry.dids) is taken only from that trunk (else 404). The number's owner
 * takes it on its forward target if it has one, else on its registered contacts, with its
 * no-answer target after its no-answer time and its busy, unavailable and failure targets should its phones answer
 * so ({@link Forward}; the edge picks among them by how the phones fail). Every forward's targets carry their
 * RFC 5806 reason, for the edge's Diversion header. A forward or no-answer target that is a number leaves
 * over the owner's trunk under the owner's outbound controls (see {@link RouteResolver#forward});
 * billing's refusal of a forward falls back to the registered contacts, and a prepaid owner's cap
 * becomes the call's maximum duration. Billing rates inbound calls at zero: the forwarded leg is
 * capped, not billed.
 */
public final class InboundRouting {
    private final RouteResolver routes;
    private final String region;

    /**
     * @param region        the region in which inbound dialled numbers without a country code are read
     * @param prepaidMaxCap the longest cap a prepaid owner's forwarded call gets
     */
    public InboundRouting(RoutingState state, NumberNormalizer numbers, BarredPrefixes barred, String region, Duration prepaidMaxCap) {
        this.routes = new RouteResolver(state, numbers, barred, new MoneyControls(state, prepaidMaxCap));
        this.region = region;
    }

    /**
     * A verdict and the row of the account it is for, as the decision read it (null: none), so that
     * the topology's limits need not look it up again.
     */
    public record Decision(RoutingVerdict verdict, Account owner) {}

    public Decision decide(CallAttempt attempt, long now) {
        // the registry's own numbers, read already by the owner lookup before the repartition
        NumberNormalizer.Result r = routes.numbers().normaliseRepeated(attempt.getDialled(), region);
        if (!r.ok()) {
            return new Decision(Verdicts.reject(attempt, null, Verdicts.NOT_FOUND, "no number of this registry: " + r.problem(),
                    now), null);
        }
        E164Number called = r.number();
        String boundTrunk = routes.state().didTrunk(called.e164());
        if (boundTrunk != null && !boundTrunk.equals(attempt.getSourceTrunkId())) {
            // the number moved to another carrier (or never came over this one): this trunk has no call for it
            return new Decision(Verdicts.reject(attempt, null, Verdicts.NOT_FOUND, "number " + called.e164() + " is bound to trunk "
                    + boundTrunk + ", not to trunk " + attempt.getSourceTrunkId() + " it came from", called, now), null);
        }
        String ownerId = routes.state().numberOwner(called.e164());
        if (ownerId == null) {
            return new Decision(Verdicts.reject(attempt, null, Verdicts.NOT_FOUND, "number " + called.e164() + " is not assigned",
                    called, now), null);
        }
        Account owner = routes.state().account(ownerId);
        if (owner == null) {
            return new Decision(Verdicts.reject(attempt, ownerId, Verdicts.NOT_FOUND, "account " + ownerId + " owning "
                    + called.e164() + " is unknown", called, now), null);
        }
        return new Decision(decide(attempt, called, ownerId, owner, now), owner);
    }

    /** The call to the number {@code called} of the known account {@code owner}. */
    private RoutingVerdict decide(CallAttempt attempt, E164Number called, String ownerId, Account owner, long now) {
        if (!owner.getEnabled()) {
            return Verdicts.reject(attempt, ownerId, Verdicts.TEMPORARILY_UNAVAILABLE, "account " + ownerId + " owning "
                    + called.e164() + " is disabled", called, now);
        }
        Caller caller = caller(attempt);
        String skipped = "";
        String forward = owner.getForwardTarget();
        if (forward != null && !forward.isBlank()) {
            Resolution route = routes.forward(forward, "forward target", owner, caller, attempt.getCallId(), now);
            if (route.ok()) {
                return verdict(attempt, ownerId, called, caller, Forward.diverted(route.targets(), Forward.UNCONDITIONAL), now)
                        .setMaxDurationSeconds(route.maxDurationSeconds()).build();
            }
            // Billing stops the forward over a trunk, not the call: the owner's own phones still ring.
            if (!route.billing()) {
                return Verdicts.reject(attempt, ownerId, route.sipStatus(), route.reason(), route.q850Cause(), called, now);
            }
            skipped = "forward target skipped: " + route.reason();
        }
        RoutingVerdict.Builder verdict = verdict(attempt, ownerId, called, caller, List.of(Targets.registered(owner, caller)), now);
        Integer cap = null;
        for (Forward f : Forward.values()) {
            String target = f.of(owner);
            if (target == null) continue;
            Resolution route = routes.forward(target, f.what, owner, caller, attempt.getCallId(), now);
            // A forward that cannot be routed must not stop the owner's phones from ringing.
            if (route.ok()) {
                f.set(verdict, route.targets());
                if (f == Forward.NO_ANSWER) verdict.setNoAnswerSeconds(Math.max(1, owner.getNoAnswerSeconds()));
                // The verdict has one cap: a call the owner's phones answer is capped too when a trunk may take it over.
                cap = shorter(cap, route.maxDurationSeconds());
            } else {
                skipped = (skipped.isEmpty() ? "" : skipped + "; ") + f.what + " skipped: " + route.reason();
            }
        }
        return verdict.setMaxDurationSeconds(cap).setReason(skipped).build();
    }

    private static Integer shorter(Integer a, Integer b) {
        if (a == null) return b;
        return b == null ? a : Math.min(a, b);
    }

    private static RoutingVerdict.Builder verdict(CallAttempt attempt, String ownerId, E164Number called, Caller caller,
                                                  List<RouteTarget> targets, long now) {
        return Verdicts.route(attempt, ownerId, targets, now)
                .setDestination(called.e164())
                .setDestinationRegion(called.region())
                .setCallerId(caller.e164());
    }

    /** The outside caller as presented: a number when it reads as one, else its text ("anonymous"). */
    private Caller caller(CallAttempt attempt) {
        String presented = attempt.getAssertedIdentity() != null && !attempt.getAssertedIdentity().isBlank()
                ? attempt.getAssertedIdentity() : attempt.getFromUser();
        if (presented == null || presented.isBlank()) return Caller.NONE;
        DialString d = DialString.parse(presented);
        NumberNormalizer.Result r = routes.numbers().normalise(d, region);
        return r.ok() ? new Caller(r.number(), null) : new Caller(null, d.user());
    }
}
