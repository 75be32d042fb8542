package io.sipstream.router.topology;

import io.sipstream.avro.Account;
import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.Direction;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.VerdictAction;
import io.sipstream.router.limits.CallLimiter;
import io.sipstream.router.limits.LiveCall;
import io.sipstream.router.limits.RateWindow;
import io.sipstream.router.numbers.NumberNormalizer;
import io.sipstream.router.prepaid.Reservations;
import io.sipstream.router.verdicts.InboundRouting;
import io.sipstream.router.verdicts.OutboundRouting;
import io.sipstream.router.verdicts.PrepaidHold;
import io.sipstream.router.verdicts.Verdicts;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Decides each attempt of its partition, outbound (keyed by the account) and inbound (re-keyed by
 * the number's owner), applies the owner's limits, holds what a routed prepaid call may cost of
 * its account's balance ({@link Reservations}) and writes the verdict keyed by call id.
 */
final class RoutingProcessor implements Processor<String, CallAttempt, String, AddressedVerdict> {
    private final RouterOptions options;
    private ProcessorContext<String, AddressedVerdict> context;
    private StoreRoutingState state;
    private OutboundRouting outbound;
    private InboundRouting inbound;
    private CallLimiter limiter;
    private Reservations reservations;

    RoutingProcessor(RouterOptions options) { this.options = options; }

    @Override
    public void init(ProcessorContext<String, AddressedVerdict> context) {
        this.context = context;
        reservations = new Reservations(context.getStateStore(RouterTopology.RESERVATIONS_STORE), options.pendingMaxAge());
        state = new StoreRoutingState(context, reservations);
        NumberNormalizer numbers = new NumberNormalizer();
        outbound = new OutboundRouting(state, numbers, options.barred(), options.prepaidMaxDuration(),
                options.emergencyNumbers(), options.emergencyTrunk());
        inbound = new InboundRouting(state, numbers, options.barred(), options.inboundRegion(), options.prepaidMaxDuration());
        KeyValueStore<String, LiveCall> live = context.getStateStore(RouterTopology.LIVE_CALLS_STORE);
        KeyValueStore<String, RateWindow> rates = context.getStateStore(RouterTopology.CALL_RATES_STORE);
        limiter = new CallLimiter(live, rates, options.pendingMaxAge(), options.liveMaxAge());
        context.schedule(options.sweepInterval(), PunctuationType.WALL_CLOCK_TIME, now -> {
            limiter.sweep(now);
            reservations.sweep(now);
        });
    }

    @Override
    public void process(Record<String, CallAttempt> record) {
        CallAttempt attempt = Attempts.valid(record.key(), record.value());
        long now = context.currentSystemTimeMs();
        RoutingVerdict verdict;
        Account account;
        // the account is read once, for the decision and for the limits and hold below (no table changes in between)
        if (attempt.getDirection() == Direction.INBOUND) {
            InboundRouting.Decision decision = inbound.decide(attempt, now);
            verdict = decision.verdict();
            account = decision.owner();
        } else {
            account = state.account(record.key());
            verdict = outbound.decide(attempt, record.key(), account, now);
            if (!record.key().equals(verdict.getAccountId())) account = state.account(verdict.getAccountId());
        }
        if (account != null) {
            // an emergency call is never refused for the account's limits (nor counted against them)
            if (verdict.getAction() == VerdictAction.ROUTE && !verdict.getEmergency()) {
                CallLimiter.Refusal refusal = limiter.admit(account, attempt.getCallId(), record.timestamp(), now);
                if (refusal != null) verdict = Verdicts.refuse(verdict, refusal.sipStatus(), refusal.reason());
            }
            if (verdict.getAction() == VerdictAction.ROUTE && attempt.getDirection() == Direction.OUTBOUND) {
                // before the next attempt of the account is decided: it is capped by what is left
                PrepaidHold hold = outbound.hold(account, verdict);
                if (hold != null) {
                    reservations.hold(account.getAccountId(), attempt.getCallId(), hold.amount(), hold.perMinute(), hold.capSeconds(), now);
                }
            }
            if (verdict.getAction() == VerdictAction.REJECT) {
                limiter.refused(account, attempt.getCallId());
                reservations.release(account.getAccountId(), attempt.getCallId());
            }
        }
        context.forward(record.withKey(attempt.getCallId()).withValue(new AddressedVerdict(verdict, attempt.getReplyPartition())));
        options.listener().onVerdict(verdict);
    }
}
