package io.sipstream.billing;

import io.sipstream.avro.Account;
import io.sipstream.avro.BlockDecision;
import io.sipstream.avro.DeadLetter;
import io.sipstream.billing.accounts.AccountDefaults;
import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.balances.CreditReceipt;
import io.sipstream.billing.blocks.BlockPolicy;
import io.sipstream.billing.calls.CallState;
import io.sipstream.billing.retention.ExpiryIndex;
import io.sipstream.billing.state.StoreState;
import io.sipstream.platform.deadletter.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * What the processors of one billing task share: the account partition's stores, and the outputs
 * any input may cause (a block decision, a dead letter). Each processor opens one on its own
 * context: the stores are the same, the context knows the record being processed.
 */
final class Ledger {
    final BillingConfig config;
    final ProcessorContext<String, Object> context;
    final KeyValueStore<String, Account> accounts;
    final KeyValueStore<String, BalanceState> balances;
    final KeyValueStore<String, CallState> calls;
    final KeyValueStore<String, Long> endedCalls;
    final KeyValueStore<String, CreditReceipt> receipts;
    final ExpiryIndex expiry;

    Ledger(ProcessorContext<String, Object> context, BillingConfig config) {
        this.config = config;
        this.context = context;
        accounts = context.getStateStore(StoreNames.ACCOUNTS);
        balances = context.getStateStore(StoreNames.BALANCES);
        calls = context.getStateStore(StoreNames.CALLS);
        endedCalls = context.getStateStore(StoreNames.ENDED_CALLS);
        receipts = context.getStateStore(StoreNames.CREDIT_RECEIPTS);
        expiry = new ExpiryIndex(StoreState.of(context.getStateStore(StoreNames.EXPIRY)));
    }

    /** The account as billed (see {@link AccountDefaults}). */
    Account account(String accountId) { return AccountDefaults.orDefault(accountId, accounts.get(accountId)); }

    /** The account's balance state, new when billing has none yet. */
    BalanceState balance(String accountId) {
        BalanceState state = balances.get(accountId);
        return state != null ? state : new BalanceState();
    }

    /**
     * Publishes the account's block decision when it says something new, and stores the balance
     * when it or the decision changed ({@code changed}: the caller changed the state): an unchanged
     * balance is not written again, since every write is a changelog record (or a cache entry).
     */
    void publish(String accountId, Account account, BalanceState state, boolean changed, long timestamp, long now) {
        Optional<BlockDecision> decision = BlockPolicy.changed(accountId, account, state, Instant.ofEpochMilli(now));
        if (decision.isPresent()) {
            forward(accountId, decision.get(), timestamp, BillingTopology.BLOCKS_SINK);
            changed = true;
        }
        if (changed) balances.put(accountId, state);
    }

    void forward(String key, Object value, long timestamp, String sink) {
        context.forward(new Record<>(key, value, timestamp), sink);
    }

    /** A record billing took but could not charge, for an operator to look at (it is committed with the rest). */
    void deadLetter(String sourceTopic, String key, byte[] value, String reason, long now) {
        int partition = context.recordMetadata().map(RecordMetadata::partition).orElse(-1);
        long offset = context.recordMetadata().map(RecordMetadata::offset).orElse(-1L);
        DeadLetter letter = DeadLetters.letter(config.applicationId(), sourceTopic, partition, offset,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, reason, Instant.ofEpochMilli(now));
        forward(sourceTopic, letter, now, BillingTopology.DEAD_LETTERS_SINK);
    }
}
