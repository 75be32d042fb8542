package io.sipstream.schemas;

import io.sipstream.avro.Account;
import io.sipstream.avro.BlockDecision;
import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CreditChange;
import io.sipstream.avro.DeadLetter;
import io.sipstream.avro.DidBinding;
import io.sipstream.avro.NumberAssignment;
import io.sipstream.avro.Rate;
import io.sipstream.avro.RatedCdr;
import io.sipstream.avro.Route;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.Trunk;
import io.sipstream.avro.TrunkLoad;
import io.sipstream.avro.Usage;
import io.sipstream.schemas.Topic.Cleanup;
import java.time.Duration;
import java.util.List;

/**
 * The catalogue of every topic sipstream reads or writes; no other code spells a topic name.
 *
 * <p>Topics keyed by account id share {@link #ACCOUNT_PARTITIONS} so that the router and billing
 * can join them without a repartition (co-partitioning). call.verdicts has one partition per
 * possible edge instance: instance N reads partition N.
 */
public final class Topics {
    public static final int ACCOUNT_PARTITIONS = 6;
    public static final int MAX_EDGES = 8;
    public static final int TABLE_PARTITIONS = 3;

    private static final long FOREVER = -1;
    private static final long WEEK = Duration.ofDays(7).toMillis();
    private static final long MONTH = Duration.ofDays(31).toMillis();
    private static final long YEARS = Duration.ofDays(3 * 366).toMillis();

    public static final Topic<Account> REGISTRY_ACCOUNTS = new Topic<>("registry.accounts", Account.class,
            ACCOUNT_PARTITIONS, Cleanup.COMPACT, FOREVER, "accounts by account id");
    public static final Topic<NumberAssignment> REGISTRY_NUMBERS = new Topic<>("registry.numbers", NumberAssignment.class,
            TABLE_PARTITIONS, Cleanup.COMPACT, FOREVER, "number owners by E.164 number");
    public static final Topic<Trunk> REGISTRY_TRUNKS = new Topic<>("registry.trunks", Trunk.class,
            TABLE_PARTITIONS, Cleanup.COMPACT, FOREVER, "trunks by trunk id");
    public static final Topic<Route> REGISTRY_ROUTES = new Topic<>("registry.routes", Route.class,
            TABLE_PARTITIONS, Cleanup.COMPACT, FOREVER, "the shared route table by route id");
    public static final Topic<DidBinding> REGISTRY_DIDS = new Topic<>("registry.dids", DidBinding.class,
            TABLE_PARTITIONS, Cleanup.COMPACT, FOREVER, "inbound numbers' trunk bindings by E.164 number");
    public static final Topic<CallAttempt> CALL_ATTEMPTS = new Topic<>("call.attempts", CallAttempt.class,
            ACCOUNT_PARTITIONS, Cleanup.DELETE, WEEK, "call attempts by account id (inbound: dialled number)");
    public static final Topic<RoutingVerdict> CALL_VERDICTS = new Topic<>("call.verdicts", RoutingVerdict.class,
            MAX_EDGES, Cleanup.DELETE, WEEK, "routing verdicts by call id, on the asking edge's partition");
    public static final Topic<CallEvent> CALL_EVENTS = new Topic<>("call.events", CallEvent.class,
            ACCOUNT_PARTITIONS, Cleanup.DELETE, MONTH, "call events by account id");
    public static final Topic<Rate> BILLING_RATES = new Topic<>("billing.rates", Rate.class,
            TABLE_PARTITIONS, Cleanup.COMPACT, FOREVER, "rate deck rows by deckId:prefix");
    public static final Topic<CreditChange> BILLING_CREDITS = new Topic<>("billing.credits", CreditChange.class,
            ACCOUNT_PARTITIONS, Cleanup.DELETE, FOREVER, "credits and adjustments by account id");
    public static final Topic<RatedCdr> BILLING_CDRS = new Topic<>("billing.cdrs", RatedCdr.class,
            ACCOUNT_PARTITIONS, Cleanup.DELETE, YEARS, "rated CDRs by account id");
    public static final Topic<Usage> BILLING_USAGE = new Topic<>("billing.usage", Usage.class,
            ACCOUNT_PARTITIONS, Cleanup.COMPACT, FOREVER, "usage by accountId|period|windowStart");
    public static final Topic<BlockDecision> BILLING_BLOCKS = new Topic<>("billing.blocks", BlockDecision.class,
            ACCOUNT_PARTITIONS, Cleanup.COMPACT, FOREVER, "block decisions and spendable balance by account id");
    public static final Topic<TrunkLoad> ROUTER_TRUNK_CALLS = new Topic<>("router.trunk.calls", TrunkLoad.class,
            TABLE_PARTITIONS, Cleanup.COMPACT, FOREVER, "live calls of each trunk with a channel limit, by trunk id");
    public static final Topic<DeadLetter> DEAD_LETTERS = new Topic<>("dead.letters", DeadLetter.class,
            TABLE_PARTITIONS, Cleanup.DELETE, MONTH, "records a service could not process, with the reason");

    public static final List<Topic<?>> ALL = List.of(REGISTRY_ACCOUNTS, REGISTRY_NUMBERS, REGISTRY_TRUNKS,
            REGISTRY_ROUTES, REGISTRY_DIDS, CALL_ATTEMPTS, CALL_VERDICTS, CALL_EVENTS, BILLING_RATES, BILLING_CREDITS, BILLING_CDRS,
            BILLING_USAGE, BILLING_BLOCKS, ROUTER_TRUNK_CALLS, DEAD_LETTERS);

    private Topics() {}
}
