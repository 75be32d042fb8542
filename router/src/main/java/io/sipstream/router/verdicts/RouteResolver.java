package io.sipstream.router.verdicts;

import io.sipstream.avro.Account;
import io.sipstream.avro.Route;
import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.Trunk;
import io.sipstream.rating.RateLookup;
import io.sipstream.router.numbers.BarredPrefixes;
import io.sipstream.router.numbers.E164Number;
import io.sipstream.router.numbers.NumberNormalizer;
import io.sipstream.router.routes.Destinations;
import io.sipstream.router.routes.RouteTable;
import io.sipstream.router.routes.TimeWindows;
import io.sipstream.router.routes.TrunkOrder;
import io.sipstream.router.verdicts.Targets.Caller;
import java.util.ArrayList;
import java.util.List;

/** What outbound and inbound routing share: turning trunk lists, hosts and forward targets into targets. */
final class RouteResolver {

    /**
     * Targets in failover order with the cap on the call's duration (null: none), or the SIP status
     * and reason why there are none, with a Q.850 cause when one says it better (null: none);
     * {@code billing} when the account's money controls refused them (a block, a prepaid balance),
     * not its configuration.
     */
    record Resolution(List<RouteTarget> targets, int sipStatus, String reason, Integer q850Cause, Integer maxDurationSeconds,
                      boolean billing) {
        static Resolution of(List<RouteTarget> targets) { return new Resolution(targets, 0, null, null, null, false); }
        static Resolution refuse(int sipStatus, String reason) { return refuse(sipStatus, reason, null); }
        static Resolution refuse(int sipStatus, String reason, Integer q850Cause) {
            return new Resolution(List.of(), sipStatus, reason, q850Cause, null, false);
        }
        static Resolution refusedByBilling(int sipStatus, String reason) {
            return new Resolution(List.of(), sipStatus, reason, null, null, true);
        }
        Resolution capped(Integer seconds) { return new Resolution(targets, sipStatus, reason, q850Cause, seconds, billing); }
        boolean ok() { return sipStatus == 0; }
    }

    private final RoutingState state;
    private final NumberNormalizer numbers;
    private final BarredPrefixes barred;
    private final MoneyControls money;
    /** The carriers' decks (billing.rates), for least-cost routes. */
    private final RateLookup carrierRates;

    RouteResolver(RoutingState state, NumberNormalizer numbers, BarredPrefixes barred, MoneyControls money) {
        this.state = state;
        this.numbers = numbers;
        this.barred = barred;
        this.money = money;
        this.carrierRates = new RateLookup(state::rate);
    }

    RoutingState state() { return state; }

    NumberNormalizer numbers() { return numbers; }

    BarredPrefixes barred() { return barred; }

    /**
     * The targets of an outbound call, from the first that applies: the route a dial plan rule names;
     * the trunks a rule names (in failover order); the account's own outbound trunk followed by its
     * outbound host; else the shared route table ({@link RouteTable}: longest prefix, then priority;
     * the next matching route serves when none of a route's trunks can). A route's trunks come in its
     * strategy's order ({@link TrunkOrder}). Unknown and disabled trunks are skipped, and so are
     * trunks that do not carry the destination ({@code destinations}) and trunks whose channels are
     * all taken ({@code maxChannels}). When nothing is left and a trunk was full, the refusal carries
     * Q.850 cause 34 (no circuit/channel available).
     */
    Resolution outbound(List<String> trunkIds, String routeId, Account account, E164Number destination, Caller caller,
                        String callId, long now) {
        List<RouteTarget> targets = new ArrayList<>(2);
        List<String> skipped = new ArrayList<>(0);
        boolean full = false;
        if (routeId != null) {
            Route route = state.route(routeId);
            if (route == null) skipped.add("route " + routeId + " is unknown");
            else if (!route.getEnabled()) skipped.add("route " + routeId + " is disabled");
            else if (!TimeWindows.active(route.getTimeOfDay(), now)) skipped.add("route " + routeId + " is outside its time of day");
            else full = addRoute(route, destination, caller, callId, targets, skipped);
        } else if (trunkIds != null && !trunkIds.isEmpty()) {
            for (String id : trunkIds) full |= addTrunk(id, destination, caller, targets, skipped);
        } else if (account.getOutboundTrunk() != null || (account.getOutboundHost() != null && !account.getOutboundHost().isBlank())) {
            if (account.getOutboundTrunk() != null) full = addTrunk(account.getOutboundTrunk(), destination, caller, targets, skipped);
            if (account.getOutboundHost() != null && !account.getOutboundHost().isBlank()) {
                targets.add(Targets.host(account.getOutboundHost(), destination, caller));
            }
        } else {
            List<RouteTable.Candidate> candidates = RouteTable.candidates(state.routes(), destination.e164(), now);
            if (candidates.isEmpty()) {
                skipped.add("account " + account.getAccountId() + " has no outbound trunk or host and no route of the table serves it now");
            }
            for (RouteTable.Candidate candidate : candidates) {
                full |= addRoute(candidate.route(), destination, caller, callId, targets, skipped);
                if (!targets.isEmpty()) break;
            }
        }
        if (!targets.isEmpty()) return Resolution.of(targets);
        return Resolution.refuse(Verdicts.SERVICE_UNAVAILABLE, "no route to " + destination.e164() + ": " + String.join(", ", skipped),
                full ? Verdicts.NO_CIRCUIT_AVAILABLE : null);
    }

    /** Adds a route's trunks in its order; true when one was skipped for being full. */
    private boolean addRoute(Route route, E164Number destination, Caller caller, String callId, List<RouteTarget> targets,
                             List<String> skipped) {
        TrunkOrder.Ordered order = TrunkOrder.of(route, destination.e164(), callId, state::trunk, carrierRates);
        List<String> why = new ArrayList<>(order.skipped());
        boolean full = false;
        for (String id : order.trunkIds()) full |= addTrunk(id, destination, caller, targets, why);
        if (targets.isEmpty()) {
            skipped.add("route " + route.getRouteId() + (why.isEmpty() ? " has no trunk" : " (" + String.join(", ", why) + ")"));
        }
        return full;
    }

    /** Adds the trunk as a target or says in {@code skipped} why not; true when it was skipped for being full. */
    private boolean addTrunk(String id, E164Number destination, Caller caller, List<RouteTarget> targets, List<String> skipped) {
        Trunk trunk = state.trunk(id);
        if (trunk == null) {
            skipped.add("trunk " + id + " is unknown");
        } else if (!trunk.getEnabled()) {
            skipped.add("trunk " + id + " is disabled");
        } else if (!Destinations.carries(trunk.getDestinations(), destination.e164())) {
            skipped.add("trunk " + id + " does not carry " + destination.e164());
        } else if (trunk.getMaxChannels() > 0 && state.trunkCalls(id) >= trunk.getMaxChannels()) {
            skipped.add("trunk " + id + " is full (" + state.trunkCalls(id) + " of " + trunk.getMaxChannels() + " channels)");
            return true;
        } else {
            targets.add(Targets.trunk(trunk, destination, caller));
        }
        return false;
    }

    /**
     * A forward or no-answer target of an account: a SIP URI as is, or a number through the
     * account's outbound route, which is then an outbound call of the account's in all but billing:
     * the number must not be barred and must be in the account's countries (else 403); the
     * account's money controls apply (a block, a prepaid balance and what it buys of the number,
     * see {@link MoneyControls}), the prepaid cap becoming the call's maximum duration.
     */
    Resolution forward(String target, String what, Account account, Caller caller, String callId, long now) {
        if (Targets.isSipUri(target)) return Resolution.of(List.of(Targets.uri(target, caller)));
        String accountId = account.getAccountId();
        NumberNormalizer.Result r = numbers.normaliseRepeated(target, account.getRegion());
        if (!r.ok()) {
            return Resolution.refuse(Verdicts.SERVICE_UNAVAILABLE, what + " '" + target + "' of account "
                    + accountId + " is not a number or SIP URI: " + r.problem());
        }
        E164Number number = r.number();
        String bar = barred.match(number.e164());
        if (bar != null) {
            return Resolution.refuse(Verdicts.FORBIDDEN, what + " " + number.e164() + " of account "
                    + accountId + " is barred (prefix " + bar + ")");
        }
        List<String> countries = account.getAllowedCountries();
        if (!countries.isEmpty() && !countries.contains(number.region())) {
            return Resolution.refuse(Verdicts.FORBIDDEN, what + " " + number.e164() + " (" + number.region()
                    + ") is outside the countries account " + accountId + " may call " + countries);
        }
        MoneyControls.Outcome spend = money.check(account, number);
        if (!spend.ok()) return Resolution.refusedByBilling(spend.sipStatus(), what + " " + number.e164() + ": " + spend.reason());
        Resolution route = outbound(null, null, account, number, caller, callId, now);
        return route.ok() ? route.capped(spend.maxDurationSeconds()) : route;
    }
}
