package io.sipstream.billing.decks;

import io.sipstream.avro.Rate;
import io.sipstream.billing.StoreNames;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the global store of rate deck rows: a row per {@code deckId:prefix}, a tombstone removes it.
 * Each row applied is told to the {@link DeckWatch}, where a rate deck PUT may wait for its rows.
 */
public final class RatesUpdater implements Processor<String, Rate, Void, Void> {
    private final DeckWatch watch;
    private KeyValueStore<String, Rate> rates;

    public RatesUpdater(DeckWatch watch) { this.watch = watch; }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        rates = context.getStateStore(StoreNames.RATES);
    }

    @Override
    public void process(Record<String, Rate> record) {
        if (record.key() == null) return;
        if (record.value() == null) rates.delete(record.key());
        else rates.put(record.key(), record.value());
        watch.applied(record.key(), record.value());
    }
}
