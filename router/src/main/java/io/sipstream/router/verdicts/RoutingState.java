package io.sipstream.router.verdicts;

import io.sipstream.avro.Account;
import io.sipstream.avro.BlockDecision;
import io.sipstream.avro.Rate;
import io.sipstream.avro.Route;
import io.sipstream.avro.Trunk;
import io.sipstream.router.prepaid.Held;

/** What a routing decision reads: the registry and billing tables as this router instance sees them. */
public interface RoutingState {
    /** An account of this instance's partitions (the one the attempt is keyed by), or null. */
    Account account(String accountId);

    /** Billing's latest decision on an account of this instance's partitions, or null if it has none. */
    BlockDecision block(String accountId);

    /** The account that owns an E.164 number, or null. */
    String numberOwner(String e164);

    Trunk trunk(String trunkId);

    /** A route of the shared route table, or null. */
    Route route(String routeId);

    /** Every route of the shared route table (a scan: only calls that use the table ask). */
    Iterable<Route> routes();

    /** The trunk a number's inbound calls are bound to (registry.dids), or null when it has no binding. */
    String didTrunk(String e164);

    /** The calls a trunk with a channel limit carries now, as every router instance's count says (0: none known). */
    int trunkCalls(String trunkId);

    /** The billing.rates row of a {@code deckId:prefix} key ({@link io.sipstream.rating.RateKeys}), or null. */
    Rate rate(String key);

    /**
     * What the router holds of a prepaid account's balance for its calls routed and not ended
     * ({@link io.sipstream.router.prepaid.Reservations}), but the call {@code exceptCallId}'s own.
     */
    Held held(String accountId, String exceptCallId);
}
