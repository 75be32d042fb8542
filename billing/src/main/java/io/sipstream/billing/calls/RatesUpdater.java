package io.sipstream.billing.calls;

import io.sipstream.avro.Rate;
import io.sipstream.billing.StoreNames;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/** Keeps the global store of rate deck rows: a row per {@code deckId:prefix}, a tombstone removes it. */
public final class RatesUpdater implements Processor<String, Rate, Void, Void> {
    private KeyValueStore<String, Rate> rates;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        rates = context.getStateStore(StoreNames.RATES);
    }

    @Override
    public void process(Record<String, Rate> record) {
        if (record.key() == null) return;
        if (record.value() == null) rates.delete(record.key());
        else rates.put(record.key(), record.value());
    }
}
