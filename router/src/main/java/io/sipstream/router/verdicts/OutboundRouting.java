package io.sipstream.router.verdicts;

import io.sipstream.avro.Account;
import io.sipstream.avro.BlockDecision;
import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.DialPlanRule;
import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.router.dialplan.DialPlan;
import io.sipstream.router.numbers.BarredPrefixes;
import io.sipstream.router.numbers.DialString;
import io.sipstream.router.numbers.E164Number;
import io.sipstream.router.numbers.EmergencyNumbers;
import io.sipstream.router.numbers.NumberNormalizer;
import io.sipstream.router.verdicts.RouteResolver.Resolution;
import io.sipstream.router.verdicts.Targets.Caller;
import java.time.Duration;
import java.util.List;

/**
 * Decides a call an account places, in this order: the account exists and is enabled; an
 * emergency number goes to {@link EmergencyCalls}, which no control below stops; the account may call
 * at all (billing does not block it, a prepaid balance is left); the dial plan may take the
 * dialled string as it is (speed dials, short codes, rewrites, rejects); else the string is read
 * as an E.164 number in the account's region; the destination must be in the account's countries
 * and not barred; then billing's cap on the duration (a prepaid balance less what the account's
 * other calls hold) or, postpaid, a rate for the destination; then the caller ID and the trunks (the dial plan's, the account's own, else the shared route table's).
 * The stream's limits (concurrency, rate) and the prepaid hold are applied after this, by the topology.
 */
public final class OutboundRouting {
    private final RouteResolver routes;
    private final MoneyControls money;
    private final EmergencyCalls emergency;

    /**
     * @param prepaidMaxCap the longest cap a prepaid call gets ({@code router.prepaid.max.duration})
     * @param emergencyNumbers the operator's emergency numbers ({@code router.emergency.numbers})
     * @param emergencyTrunk the operator's emergency trunk ({@code router.emergency.trunk}); null: none
     */
    public OutboundRouting(RoutingState state, NumberNormalizer numbers, BarredPrefixes barred, Duration prepaidMaxCap,
                           EmergencyNumbers emergencyNumbers, String emergencyTrunk) {
        this.money = new MoneyControls(state, prepaidMaxCap);
        this.routes = new RouteResolver(state, numbers, barred, money);
        this.emergency = new EmergencyCalls(state, emergencyNumbers, emergencyTrunk);
    }

    /**
     * What a call this router routed for the account holds of its prepaid balance until it ends
     * (see {@link io.sipstream.router.prepaid.Reservations}); null when it holds nothing.
     */
    public PrepaidHold hold(Account account, RoutingVerdict routed) {
        return routed.getEmergency() ? null : money.hold(account, routed); // billing charges it nothing
    }

    public RoutingVerdict decide(CallAttempt attempt, String accountId, long now) {
        return decide(attempt, accountId, routes.state().account(accountId), now);
    }

    /**
     * {@link #decide(CallAttempt, String, long)} on the account's row as the caller read it (null: none), so that
     * the topology reads it once for the decision, the limits and the hold.
     */
    public RoutingVerdict decide(CallAttempt attempt, String accountId, Account account, long now) {
        RoutingState state = routes.state();
        NumberNormalizer numbers = routes.numbers();
        if (account == null || !account.getEnabled()) {
            return Verdicts.reject(attempt, accountId, Verdicts.FORBIDDEN,
                    "account unknown or disabled: " + accountId, now);
        }
        DialString dialled = DialString.parse(attempt.getDialled());
        String emergencyNumber = emergency.number(dialled, account);
        if (emergencyNumber != null) return emergency.decide(attempt, account, emergencyNumber, callerId(attempt, account), now);

        BlockDecision block = state.block(accountId);
        MoneyControls.Outcome standing = MoneyControls.standing(account, block);
        if (!standing.ok()) return Verdicts.reject(attempt, accountId, standing.sipStatus(), standing.reason(), now);

        if (dialled.isEmpty()) {
            return Verdicts.reject(attempt, accountId, Verdicts.ADDRESS_INCOMPLETE, "nothing was dialled", now);
        }
        String region = account.getRegion();
        NumberNormalizer.Result[] asDialled = new NumberNormalizer.Result[1]; // read at most once
        DialPlan.Match match = DialPlan.match(account.getDialPlan(), dialled, () -> {
            asDialled[0] = numbers.normalise(dialled, region);
            return asDialled[0].ok() ? asDialled[0].number().e164() : null;
        });
        if (match != null && match.rejects()) {
            return Verdicts.reject(attempt, accountId, match.rule().getRejectStatus(),
                    match.describe() + " rejects '" + dialled.user() + "'", now);
        }
        Caller caller = callerId(attempt, account);
        if (match != null && match.rule().getTargetAccount() != null) {
            return toAccount(attempt, account, match, caller, now);
        }

        NumberNormalizer.Result read;
        if (match != null) read = numbers.normalise(DialString.parse(match.number()), region);
        else read = asDialled[0] != null ? asDialled[0] : numbers.normalise(dialled, region);
        if (!read.ok()) {
            String how = match == null ? "" : match.describe() + " made '" + match.number() + "' of '" + dialled.user() + "': ";
            return Verdicts.reject(attempt, accountId, Verdicts.ADDRESS_INCOMPLETE, how + read.problem(), now);
        }
        E164Number destination = read.number();
        List<String> countries = account.getAllowedCountries();
        if (!countries.isEmpty() && !countries.contains(destination.region())) {
            return Verdicts.reject(attempt, accountId, Verdicts.FORBIDDEN, "destination " + destination.e164() + " ("
                    + destination.region() + ") is outside the countries account " + accountId + " may call " + countries,
                    destination, now);
        }
        String bar = routes.barred().match(destination.e164());
        if (bar != null) {
            return Verdicts.reject(attempt, accountId, Verdicts.FORBIDDEN, "destination " + destination.e164()
                    + " is barred (premium-rate or fraud-prone prefix " + bar + ")", destination, now);
        }

        MoneyControls.Outcome money = this.money.outbound(account, block, destination, attempt.getCallId());
        if (!money.ok()) return Verdicts.reject(attempt, accountId, money.sipStatus(), money.reason(), destination, now);

        List<String> trunks = match == null ? null : match.rule().getTrunks();
        String routeId = match == null ? null : match.rule().getRoute();
        Resolution route = routes.outbound(trunks, routeId, account, destination, caller, attempt.getCallId(), now);
        if (!route.ok()) {
            return Verdicts.reject(attempt, accountId, route.sipStatus(), route.reason(), route.q850Cause(), destination, now);
        }
        return Verdicts.route(attempt, accountId, route.targets(), now)
                .setDestination(destination.e164())
                .setDestinationRegion(destination.region())
                .setCallerId(caller.e164())
                .setMaxDurationSeconds(money.maxDurationSeconds())
                .build();
    }

    /** A dial plan rule that sends the call to another account's registered contacts (an extension). */
    private RoutingVerdict toAccount(CallAttempt attempt, Account account, DialPlan.Match match, Caller caller, long now) {
        DialPlanRule rule = match.rule();
        // The target account lives on another partition: its contacts (or their absence) are the edge's to find.
        RouteTarget target = Targets.registered(rule.getTargetAccount(), rule.getTargetAccount(), account.getSipDomain(), caller);
        NumberNormalizer.Result read = routes.numbers().normalise(DialString.parse(match.number()), account.getRegion());
        return Verdicts.route(attempt, account.getAccountId(), List.of(target), now)
                .setDestination(read.ok() ? read.number().e164() : null)
                .setDestinationRegion(read.ok() ? read.number().region() : null)
                .setCallerId(caller.e164())
                .build();
    }

    /**
     * The caller ID: the number the caller asserts (P-Asserted/Preferred-Identity, else the From
     * user) when the account owns it, otherwise the account's default when the account owns that;
     * none when neither exists.
     */
    private Caller callerId(CallAttempt attempt, Account account) {
        for (String asserted : new String[] {attempt.getAssertedIdentity(), attempt.getFromUser()}) {
            if (asserted == null || asserted.isBlank()) continue;
            NumberNormalizer.Result r = routes.numbers().normaliseRepeated(asserted, account.getRegion());
            if (r.ok() && owns(account, r.number().e164())) return new Caller(r.number(), null);
        }
        // The default is a number like any other: presented only when the account owns it (else the edge sends anonymous).
        String fallback = account.getDefaultCallerId();
        if (fallback == null || fallback.isBlank()) return Caller.NONE;
        NumberNormalizer.Result r = routes.numbers().normaliseRepeated(fallback, account.getRegion());
        return r.ok() && owns(account, r.number().e164()) ? new Caller(r.number(), null) : Caller.NONE;
    }

    private boolean owns(Account account, String e164) {
        return account.getNumbers().contains(e164) || account.getAccountId().equals(routes.state().numberOwner(e164));
    }
}
