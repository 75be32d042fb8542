package io.sipstream.router.verdicts;

import io.sipstream.avro.Account;
import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.Trunk;
import io.sipstream.router.numbers.BarredPrefixes;
import io.sipstream.router.numbers.E164Number;
import io.sipstream.router.numbers.NumberNormalizer;
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

    RouteResolver(RoutingState state, NumberNormalizer numbers, BarredPrefixes barred, MoneyControls money) {
        this.state = state;
        this.numbers = numbers;
        this.barred = barred;
        this.money = money;
    }

    RoutingState state() { return state; }

    NumberNormalizer numbers() { return numbers; }

    BarredPrefixes barred() { return barred; }

    /**
     * The trunks named (a dial plan rule's, in failover order), or else the account's outbound
     * trunk followed by its outbound host; unknown and disabled trunks are skipped, and so are
     * trunks whose channels are all taken ({@code maxChannels}). When nothing is left and a trunk
     * was full, the refusal carries Q.850 cause 34 (no circuit/channel available).
     */
    Resolution outbound(List<String> trunkIds, Account account, E164Number destination, Caller caller) {
        List<RouteTarget> targets = new ArrayList<>(2);
        List<String> skipped = new ArrayList<>(0);
        boolean full = false;
        if (trunkIds != null && !trunkIds.isEmpty()) {
            for (String id : trunkIds) full |= addTrunk(id, destination, caller, targets, skipped);
        } else {
            if (account.getOutboundTrunk() != null) full = addTrunk(account.getOutboundTrunk(), destination, caller, targets, skipped);
            if (account.getOutboundHost() != null && !account.getOutboundHost().isBlank()) {
                targets.add(Targets.host(account.getOutboundHost(), destination, caller));
            }
        }
        if (!targets.isEmpty()) return Resolution.of(targets);
        String why = skipped.isEmpty() ? "account " + account.getAccountId() + " has no outbound trunk or host"
                : String.join(", ", skipped);
        return Resolution.refuse(Verdicts.SERVICE_UNAVAILABLE, "no route to " + destination.e164() + ": " + why,
                full ? Verdicts.NO_CIRCUIT_AVAILABLE : null);
    }

    /** Adds the trunk as a target or says in {@code skipped} why not; true when it was skipped for being full. */
    private boolean addTrunk(String id, E164Number destination, Caller caller, List<RouteTarget> targets, List<String> skipped) {
        Trunk trunk = state.trunk(id);
        if (trunk == null) {
            skipped.add("trunk " + id + " is unknown");
        } else if (!trunk.getEnabled()) {
            skipped.add("trunk " + id + " is disabled");
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
    Resolution forward(String target, String what, Account account, Caller caller) {
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
        Resolution route = outbound(null, account, number, caller);
        return route.ok() ? route.capped(spend.maxDurationSeconds()) : route;
    }
}
