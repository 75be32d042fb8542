package io.sipstream.billing;

import io.sipstream.avro.Account;
import io.sipstream.billing.accounts.AccountArrivals;
import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.inputs.BadRecordException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * registry.accounts: keeps each account billing rates and decides on (and tells a credit POST
 * waiting for it, {@link AccountArrivals}), and decides its block again
 * (a changed prepaid flag, credit limit or allowance may block or free it). A deleted account's
 * block is removed (a tombstone), and should it come back its decision is published afresh.
 */
final class AccountsProcessor implements Processor<String, Account, String, Object> {
    private final BillingConfig config;
    private final AccountArrivals arrivals;
    private Ledger ledger;

    AccountsProcessor(BillingConfig config, AccountArrivals arrivals) {
        this.config = config;
        this.arrivals = arrivals;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) { ledger = new Ledger(context, config); }

    @Override
    public void process(Record<String, Account> record) {
        String id = record.key();
        if (id == null) throw new BadRecordException("account record without a key");
        long now = ledger.context.currentSystemTimeMs();
        Account account = record.value();
        if (account == null) {
            ledger.accounts.delete(id);
            ledger.forward(id, null, record.timestamp(), BillingTopology.BLOCKS_SINK);
            BalanceState state = ledger.balances.get(id);
            if (state != null) {
                state.lastDecision = null;
                ledger.balances.put(id, state);
            }
            return;
        }
        ledger.accounts.put(id, account);
        arrivals.arrived(id); // a credit POST for the account may be waiting for it
        ledger.publish(id, account, ledger.balance(id), false, record.timestamp(), now);
    }
}
