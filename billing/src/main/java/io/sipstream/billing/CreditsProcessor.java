package io.sipstream.billing;

import io.sipstream.avro.Account;
import io.sipstream.avro.CreditChange;
import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.balances.CreditConfirmations;
import io.sipstream.billing.balances.CreditReceipt;
import io.sipstream.billing.balances.Credits;
import io.sipstream.billing.inputs.AccountKeys;
import io.sipstream.billing.retention.ExpiryIndex;
import io.sipstream.schemas.Topics;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * billing.credits: applies each credit once ({@link Credits}), stores its receipt, dead-letters a
 * refused one, and tells a waiting credit POST of this process what became of its key.
 */
final class CreditsProcessor implements Processor<String, CreditChange, String, Object> {
    private static final Logger log = LoggerFactory.getLogger(CreditsProcessor.class);

    private final BillingConfig config;
    private final CreditConfirmations confirmations;
    private Ledger ledger;
    private Serializer<CreditChange> creditSerializer;

    CreditsProcessor(BillingConfig config, CreditConfirmations confirmations) {
        this.config = config;
        this.confirmations = confirmations;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        ledger = new Ledger(context, config);
        creditSerializer = Topics.BILLING_CREDITS.valueSerde(config.kafka().serdes()).serializer();
    }

    @Override
    public void process(Record<String, CreditChange> record) {
        CreditChange credit = record.value();
        if (credit == null) return; // a tombstone means nothing here
        String id = AccountKeys.accountId(record.key(), credit.getAccountId(), "credit");
        String receiptKey = Credits.receiptKey(id, credit);
        long now = ledger.context.currentSystemTimeMs();
        Account account = ledger.account(id);
        BalanceState state = ledger.balance(id);
        int partition = ledger.context.recordMetadata().map(RecordMetadata::partition).orElse(0);
        long offset = ledger.context.recordMetadata().map(RecordMetadata::offset).orElse(0L);
        switch (Credits.apply(id, credit, ledger.receipts.get(receiptKey), account, state, partition, offset, now)) {
            case Credits.Repeated repeated -> {
                log.debug("credit {} of {} already applied: ignored", credit.getIdempotencyKey(), id);
                confirmations.confirm(receiptKey, repeated.earlier());
            }
            case Credits.Refused refused -> {
                keep(receiptKey, refused.receipt(), now);
                ledger.deadLetter(Topics.BILLING_CREDITS.name(), id,
                        creditSerializer.serialize(Topics.BILLING_CREDITS.name(), credit), refused.receipt().refusal, now);
            }
            case Credits.Applied applied -> {
                // the REST API answers with the balance once it has the receipt: the balance goes first
                ledger.publish(id, account, state, true, record.timestamp(), now);
                keep(receiptKey, applied.receipt(), now);
            }
        }
    }

    private void keep(String receiptKey, CreditReceipt receipt, long now) {
        ledger.receipts.put(receiptKey, receipt);
        ledger.expiry.add(ExpiryIndex.CREDIT_KEYS, now, receiptKey);
        confirmations.confirm(receiptKey, receipt);
    }
}
