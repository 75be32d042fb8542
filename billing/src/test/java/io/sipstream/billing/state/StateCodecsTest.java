package io.sipstream.billing.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.balances.CreditReceipt;
import io.sipstream.billing.calls.CallState;
import io.sipstream.schemas.Money;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Conversions;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

/**
 * The hand-written encoding is Avro binary of the schemas in the resources: Avro's own generic
 * reader finds every field by name where the codec put it, and its writer gives the same bytes back.
 */
class StateCodecsTest {

    @Test
    void shouldWriteCallStateAsItsSchemaSays() throws IOException {
        CallState call = StateSerdeTest.fullCall();
        assertThat(generic("CallState.avsc", StateSerde.calls(), call)).isEqualTo(fields(
                "callId", "c1", "accountId", "acc-1", "direction", "OUTBOUND", "callerId", "+14155550100",
                "destination", "+442071234567", "trunkId", "t1", "startedAt", 1_700_000_000_000L,
                "answeredAt", 1_700_000_001_000L, "durationMillis", 65_000L, "sipStatus", 200,
                "rate", fields("deckId", "deck-1", "prefix", "44", "pricePerMinute", Money.parse("0.012345"),
                        "connectionFee", Money.parse("0.1"), "currency", "USD", "firstIncrement", 30, "nextIncrement", 6),
                "unrated", "rate in EUR, account in USD", "openedWall", 1_700_000_000_100L, "lastHeardWall", 1_700_000_065_100L,
                "seenEvents", List.of("c1:ATTEMPT:0", "c1:ANSWERED:0", "c1:INTERIM:1")));

        assertThat(generic("CallState.avsc", StateSerde.calls(), new CallState())).isEqualTo(fields(
                "callId", null, "accountId", null, "direction", null, "callerId", null, "destination", null, "trunkId", null,
                "startedAt", 0L, "answeredAt", null, "durationMillis", 0L, "sipStatus", 0, "rate", null, "unrated", null,
                "openedWall", 0L, "lastHeardWall", 0L, "seenEvents", List.of()));
    }

    @Test
    void shouldWriteBalanceStateAsItsSchemaSays() throws IOException {
        assertThat(generic("BalanceState.avsc", StateSerde.balances(), StateSerdeTest.fullBalance())).isEqualTo(fields(
                "currency", "USD", "credits", Money.parse("12345678.999999"), "charged", Money.parse("0.000001"),
                "live", Map.of(
                        "c1", fields("pricePerMinute", Money.parse("0.012345"), "cost", Money.parse("0.113374"),
                                "billableSeconds", 66L, "outbound", true),
                        "c2", fields("pricePerMinute", Money.parse("0.5"), "cost", Money.parse("1.5"),
                                "billableSeconds", 180L, "outbound", true),
                        "c9", fields("pricePerMinute", Money.ZERO, "cost", Money.ZERO, "billableSeconds", 0L, "outbound", false)),
                "cdrCount", 42L, "storedCdrs", 40L, "allowanceMonth", "2024-11", "allowanceSeconds", 3600L,
                "lastDecision", "ALLOW"));

        BalanceState empty = new BalanceState();
        empty.credits = null;
        assertThat(generic("BalanceState.avsc", StateSerde.balances(), empty)).isEqualTo(fields(
                "currency", null, "credits", null, "charged", Money.ZERO, "live", Map.of(), "cdrCount", 0L, "storedCdrs", 0L,
                "allowanceMonth", null, "allowanceSeconds", 0L, "lastDecision", null));
    }

    @Test
    void shouldWriteABalanceWithUnpublishedUsageAsFormat2AndReadBothFormats() throws IOException {
        BalanceState balance = StateSerdeTest.fullBalance();
        Map<String, Object> v1 = generic("BalanceState.avsc", StateSerde.balances(), balance);
        balance.unpublishedUsageHours.add(1_700_002_800_000L);
        balance.unpublishedUsageHours.add(1_699_999_200_000L);
        Map<String, Object> v2 = new LinkedHashMap<>(v1);
        v2.put("unpublishedUsageHours", List.of(1_699_999_200_000L, 1_700_002_800_000L));
        assertThat(generic("BalanceStateV2.avsc", StateSerde.balances(), balance, StateSerde.AVRO_V2)).isEqualTo(v2);

        Serde<BalanceState> serde = StateSerde.balances();
        BalanceState back = serde.deserializer().deserialize("t", serde.serializer().serialize("t", balance));
        assertThat(back).usingRecursiveComparison().isEqualTo(balance);
        balance.unpublishedUsageHours.clear();
        assertThat(serde.serializer().serialize("t", balance)[0]).as("at rest, the format before").isEqualTo(StateSerde.AVRO_V1);
    }

    @Test
    void shouldWriteCreditReceiptAsItsSchemaSays() throws IOException {
        CreditReceipt receipt = new CreditReceipt();
        receipt.amount = Money.parse("-10.5");
        receipt.currency = "EUR";
        receipt.partition = 3;
        receipt.offset = 1234;
        receipt.processedAt = 1_700_000_000_000L;
        receipt.applied = true;
        receipt.refusal = "no";
        assertThat(generic("CreditReceipt.avsc", StateSerde.creditReceipts(), receipt)).isEqualTo(fields(
                "amount", Money.parse("-10.5"), "currency", "EUR", "partition", 3, "offset", 1234L,
                "processedAt", 1_700_000_000_000L, "applied", true, "refusal", "no"));
    }

    /**
     * The value through the serde, read back by Avro's generic reader with the schema, as plain
     * Java; Avro's generic writer must give the serde's bytes back.
     */
    private static <T> Map<String, Object> generic(String schemaFile, Serde<T> serde, T value) throws IOException {
        return generic(schemaFile, serde, value, StateSerde.AVRO_V1);
    }

    private static <T> Map<String, Object> generic(String schemaFile, Serde<T> serde, T value, byte format) throws IOException {
        Schema schema;
        try (InputStream in = StateCodecsTest.class.getResourceAsStream(schemaFile)) {
            schema = new Schema.Parser().parse(in);
        }
        GenericData model = new GenericData() {
            @Override
            public Object newMap(Object old, int size) { return new LinkedHashMap<>(); } // keeps the written order
        };
        model.addLogicalTypeConversion(new Conversions.DecimalConversion());

        byte[] bytes = serde.serializer().serialize("t", value);
        assertThat(bytes[0]).isEqualTo(format);
        byte[] avro = Arrays.copyOfRange(bytes, 1, bytes.length);
        var decoder = DecoderFactory.get().binaryDecoder(avro, null);
        GenericRecord record = new GenericDatumReader<GenericRecord>(schema, schema, model).read(null, decoder);
        assertThat(decoder.isEnd()).as("the schema's reader consumed every byte").isTrue();

        ByteArrayOutputStream again = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(again, null);
        new GenericDatumWriter<GenericRecord>(schema, model).write(record, encoder);
        encoder.flush();
        assertThat(again.toByteArray()).as("Avro's writer gives the same bytes").isEqualTo(avro);

        @SuppressWarnings("unchecked")
        Map<String, Object> plain = (Map<String, Object>) plain(record);
        return plain;
    }

    private static Object plain(Object value) {
        if (value instanceof GenericRecord r) {
            Map<String, Object> fields = new LinkedHashMap<>();
            for (Schema.Field f : r.getSchema().getFields()) fields.put(f.name(), plain(r.get(f.name())));
            return fields;
        }
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> map = new TreeMap<>();
            m.forEach((k, v) -> map.put(k.toString(), plain(v)));
            return map;
        }
        if (value instanceof List<?> l) {
            List<Object> list = new ArrayList<>();
            l.forEach(v -> list.add(plain(v)));
            return list;
        }
        if (value instanceof CharSequence s) return s.toString();
        return value;
    }

    private static Map<String, Object> fields(Object... namesAndValues) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) fields.put((String) namesAndValues[i], namesAndValues[i + 1]);
        return fields;
    }
}
