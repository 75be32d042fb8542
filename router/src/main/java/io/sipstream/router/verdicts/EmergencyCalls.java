package io.sipstream.router.verdicts;

import io.sipstream.avro.Account;
import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.Trunk;
import io.sipstream.router.numbers.DialString;
import io.sipstream.router.numbers.EmergencyNumbers;
import io.sipstream.router.verdicts.Targets.Caller;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Emergency calls (911, 112, 999 ...), decided before anything that could refuse a call: no
 * balance, block, limit, dial plan, country list or missing rate stops one. They leave on the
 * account's emergency trunk, else the operator's ({@code router.emergency.trunk}), else the
 * account's outbound trunk (each in that failover order when known and enabled; a trunk's
 * {@code maxChannels} does not count: an emergency call is worth the carrier's refusal), else the
 * account's outbound host; the request-URI carries the number as dialled. The caller ID is the
 * account's own, the call-back number, and the verdict says {@code emergency} so that the edge sends
 * it unwithheld and billing rates the call at zero.
 */
final class EmergencyCalls {
    private final RoutingState state;
    private final EmergencyNumbers numbers;
    private final String operatorTrunk;

    /** @param operatorTrunk the operator's emergency trunk ({@code router.emergency.trunk}); null: none */
    EmergencyCalls(RoutingState state, EmergencyNumbers numbers, String operatorTrunk) {
        this.state = state;
        this.numbers = numbers;
        this.operatorTrunk = operatorTrunk;
    }

    /** The dialled emergency number of the account's region or the operator's, or null when it is none. */
    String number(DialString dialled, Account account) {
        return numbers.match(dialled, account.getRegion());
    }

    /** The verdict of an emergency call to {@code number}: a route, or 503 when the account has no route at all. */
    RoutingVerdict decide(CallAttempt attempt, Account account, String number, Caller caller, long now) {
        Set<String> trunkIds = new LinkedHashSet<>(3);
        if (account.getEmergencyTrunk() != null) trunkIds.add(account.getEmergencyTrunk());
        if (operatorTrunk != null) trunkIds.add(operatorTrunk);
        if (account.getOutboundTrunk() != null) trunkIds.add(account.getOutboundTrunk());
        List<RouteTarget> targets = new ArrayList<>(trunkIds.size() + 1);
        for (String id : trunkIds) {
            Trunk trunk = state.trunk(id);
            if (trunk != null && trunk.getEnabled()) targets.add(Targets.emergency(trunk, number, caller));
        }
        String host = account.getOutboundHost();
        if (host != null && !host.isBlank()) targets.add(Targets.emergencyHost(host, number, caller));
        String accountId = account.getAccountId();
        if (targets.isEmpty()) {
            return Verdicts.reject(attempt, accountId, Verdicts.SERVICE_UNAVAILABLE, "emergency call to " + number
                    + ": no emergency route (none of the trunks " + trunkIds + " is known and enabled, and no outbound host)", now);
        }
        return Verdicts.route(attempt, accountId, targets, now)
                .setDestination(number)
                .setDestinationRegion(account.getRegion())
                .setCallerId(caller.e164())
                .setEmergency(true)
                .build();
    }
}
