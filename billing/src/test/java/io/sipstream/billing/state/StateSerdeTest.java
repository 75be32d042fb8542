package io.sipstream.billing.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.balances.CreditReceipt;
import io.sipstream.billing.balances.LiveCharge;
import io.sipstream.billing.calls.CallState;
import io.sipstream.rating.RateSnapshot;
import io.sipstream.schemas.Money;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class StateSerdeTest {
    private static final String TOPIC = "billing-calls-changelog";

    @Test
    void shouldRoundTripCallStateWithEveryFieldSet() {
        CallState call = fullCall();
        byte[] bytes = StateSerde.calls().serializer().serialize(TOPIC, call);
        assertThat(bytes[0]).isEqualTo(StateSerde.AVRO_V1);
        assertThat(roundTrip(StateSerde.calls(), call)).usingRecursiveComparison().isEqualTo(call);
        assertThat(roundTrip(StateSerde.calls(), call).seenEvents).containsExactly("c1:ATTEMPT:0", "c1:ANSWERED:0", "c1:INTERIM:1");
    }

    @Test
    void shouldRoundTripCallStateWithNullableFieldsNull() {
        CallState empty = new CallState();
        CallState read = roundTrip(StateSerde.calls(), empty);
        assertThat(read).usingRecursiveComparison().isEqualTo(empty);
        assertThat(read.answeredAt).isNull();
        assertThat(read.rate).isNull();
        assertThat(read.seenEvents).isEmpty();

        CallState nullAmounts = fullCall();
        nullAmounts.rate = new RateSnapshot(null, null, null, null, null, 0, 0);
        assertThat(roundTrip(StateSerde.calls(), nullAmounts).rate).isEqualTo(nullAmounts.rate);
    }

    @Test
    void shouldRoundTripBalanceStateWithEveryFieldSetAndNullsKept() {
        BalanceState balance = fullBalance();
        BalanceState read = roundTrip(StateSerde.balances(), balance);
        assertThat(read).usingRecursiveComparison().isEqualTo(balance);
        assertThat(read.live).containsOnlyKeys("c1", "c2", "c9");
        assertThat(read.balance()).isEqualTo(balance.balance());

        BalanceState empty = new BalanceState();
        empty.credits = null;
        empty.charged = null;
        empty.live.put("c1", new LiveCharge(null, null, 0, false));
        assertThat(roundTrip(StateSerde.balances(), empty)).usingRecursiveComparison().isEqualTo(empty);
        assertThat(roundTrip(StateSerde.balances(), new BalanceState())).usingRecursiveComparison().isEqualTo(new BalanceState());
    }

    @Test
    void shouldRoundTripCreditReceiptWithEveryFieldSetAndNullsKept() {
        CreditReceipt receipt = new CreditReceipt();
        receipt.amount = Money.parse("-10.5");
        receipt.currency = "EUR";
        receipt.partition = 3;
        receipt.offset = 1234;
        receipt.processedAt = 1_700_000_000_000L;
        receipt.applied = true;
        receipt.refusal = "currency EUR differs";
        assertThat(roundTrip(StateSerde.creditReceipts(), receipt)).usingRecursiveComparison().isEqualTo(receipt);
        CreditReceipt empty = new CreditReceipt();
        assertThat(roundTrip(StateSerde.creditReceipts(), empty)).usingRecursiveComparison().isEqualTo(empty);
    }

    @Test
    void shouldKeepAmountsExactToTheLastMicroUnit() {
        for (String amount : new String[] {"12345678.999999", "0.000001", "-0.000001", "9999999999999.999999", "0"}) {
            BalanceState balance = new BalanceState();
            balance.credits = Money.parse(amount);
            balance.charged = new BigDecimal(amount); // scale as parsed, not 6: written exactly, read back at scale 6
            BalanceState read = roundTrip(StateSerde.balances(), balance);
            assertThat(read.credits).isEqualTo(Money.parse(amount)).hasToString(Money.parse(amount).toString());
            assertThat(read.charged).isEqualByComparingTo(amount);
        }
    }

    @Test
    void shouldRefuseToRoundAnAmountWithMoreThanSixDecimals() {
        BalanceState balance = new BalanceState();
        balance.credits = new BigDecimal("0.0000001");
        assertThatThrownBy(() -> StateSerde.balances().serializer().serialize(TOPIC, balance))
                .isInstanceOf(SerializationException.class).hasMessageContaining("BalanceState")
                .hasMessageContaining("0.0000001 has more than 6 decimal places");
    }

    /** Values exactly as the JSON serde before format 0x01 wrote them to the stores and changelogs. */
    @Test
    void shouldReadTheLegacyJsonFormat() {
        CallState call = read(StateSerde.calls(), "{\"callId\":\"c1\",\"accountId\":\"acc-1\",\"direction\":\"OUTBOUND\","
                + "\"callerId\":\"+14155550100\",\"destination\":\"+442071234567\",\"trunkId\":\"t1\",\"startedAt\":1700000000000,"
                + "\"answeredAt\":1700000001000,\"durationMillis\":65000,\"sipStatus\":200,\"rate\":{\"deckId\":\"deck-1\","
                + "\"prefix\":\"44\",\"pricePerMinute\":0.012345,\"connectionFee\":0.100000,\"currency\":\"USD\","
                + "\"firstIncrement\":30,\"nextIncrement\":6},\"openedWall\":1700000000100,\"lastHeardWall\":1700000065100,"
                + "\"seenEvents\":[\"c1:ATTEMPT:0\",\"c1:ANSWERED:0\",\"c1:INTERIM:1\"]}");
        // Jackson read the Set as a HashSet: membership is what billing asks of it
        assertThat(call).usingRecursiveComparison().ignoringCollectionOrderInFields("seenEvents").isEqualTo(fullCallWithoutUnrated());

        CallState unrated = read(StateSerde.calls(), "{\"callId\":\"c2\",\"accountId\":\"acc-1\",\"direction\":\"OUTBOUND\","
                + "\"startedAt\":0,\"durationMillis\":0,\"sipStatus\":0,\"unrated\":\"no rate for 999\",\"openedWall\":0,"
                + "\"lastHeardWall\":0,\"seenEvents\":[],\"addedLater\":1}");
        assertThat(unrated.unrated).isEqualTo("no rate for 999");
        assertThat(unrated.rate).isNull();
        assertThat(unrated.answeredAt).isNull();

        BalanceState balance = read(StateSerde.balances(), "{\"currency\":\"USD\",\"credits\":12345678.999999,\"charged\":0.000001,"
                + "\"live\":{\"c1\":{\"pricePerMinute\":0.012345,\"cost\":0.113374,\"billableSeconds\":66,\"outbound\":true},"
                + "\"c9\":{\"pricePerMinute\":0.000000,\"cost\":0.000000,\"billableSeconds\":0,\"outbound\":false}},"
                + "\"cdrCount\":42,\"storedCdrs\":40,\"allowanceMonth\":\"2024-11\",\"allowanceSeconds\":3600,\"lastDecision\":\"ALLOW\"}");
        assertThat(balance.credits).isEqualTo(Money.parse("12345678.999999"));
        assertThat(balance.charged).isEqualTo(Money.parse("0.000001"));
        assertThat(balance.live.get("c1").cost).isEqualTo(Money.parse("0.113374"));
        assertThat(balance.live.get("c9").outbound).isFalse();
        assertThat(balance.lastDecision).isEqualTo("ALLOW");
        assertThat(balance.allowanceSeconds).isEqualTo(3600);

        CreditReceipt receipt = read(StateSerde.creditReceipts(), "{\"amount\":-10.500000,\"currency\":\"EUR\",\"partition\":3,"
                + "\"offset\":1234,\"processedAt\":1700000000000,\"applied\":false,\"refusal\":\"currency EUR differs\"}");
        assertThat(receipt.amount).isEqualTo(Money.parse("-10.5"));
        assertThat(receipt.refusal).isEqualTo("currency EUR differs");

        // a legacy value read, changed and written again is binary from then on
        assertThat(StateSerde.balances().serializer().serialize(TOPIC, balance)[0]).isEqualTo(StateSerde.AVRO_V1);
        assertThat(roundTrip(StateSerde.balances(), balance)).usingRecursiveComparison().isEqualTo(balance);
    }

    @Test
    void shouldRefuseAnUnknownFormatByteWithTheReason() {
        byte[] bytes = StateSerde.calls().serializer().serialize(TOPIC, fullCall());
        bytes[0] = 0x02; // a format of balances only
        assertThatThrownBy(() -> StateSerde.calls().deserializer().deserialize(TOPIC, bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("CallState").hasMessageContaining(TOPIC).hasMessageContaining("unknown state format byte 0x02");
        byte[] balance = StateSerde.balances().serializer().serialize(TOPIC, fullBalance());
        balance[0] = 0x03;
        assertThatThrownBy(() -> StateSerde.balances().deserializer().deserialize(TOPIC, balance))
                .isInstanceOf(SerializationException.class).hasMessageContaining("unknown state format byte 0x03");
    }

    @Test
    void shouldRefuseTruncatedAndPaddedValues() {
        byte[] bytes = StateSerde.calls().serializer().serialize(TOPIC, fullCall());
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 5);
        byte[] padded = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> StateSerde.calls().deserializer().deserialize(TOPIC, truncated))
                .isInstanceOf(SerializationException.class).hasMessageContaining("format byte 0x01");
        assertThatThrownBy(() -> StateSerde.calls().deserializer().deserialize(TOPIC, padded))
                .isInstanceOf(SerializationException.class).hasMessageContaining("bytes left");
        assertThatThrownBy(() -> StateSerde.calls().deserializer().deserialize(TOPIC, new byte[0]))
                .isInstanceOf(SerializationException.class).hasMessageContaining("empty");
        assertThat(StateSerde.calls().deserializer().deserialize(TOPIC, null)).isNull();
        assertThat(StateSerde.calls().serializer().serialize(TOPIC, null)).isNull();
    }

    private static <T> T roundTrip(Serde<T> serde, T value) {
        return serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, value));
    }

    private static <T> T read(Serde<T> serde, String json) {
        return serde.deserializer().deserialize(TOPIC, json.getBytes(StandardCharsets.UTF_8));
    }

    static CallState fullCall() {
        CallState call = fullCallWithoutUnrated();
        call.unrated = "rate in EUR, account in USD";
        return call;
    }

    private static CallState fullCallWithoutUnrated() {
        CallState c = new CallState();
        c.callId = "c1";
        c.accountId = "acc-1";
        c.direction = "OUTBOUND";
        c.callerId = "+14155550100";
        c.destination = "+442071234567";
        c.trunkId = "t1";
        c.startedAt = 1_700_000_000_000L;
        c.answeredAt = 1_700_000_001_000L;
        c.durationMillis = 65_000;
        c.sipStatus = 200;
        c.rate = new RateSnapshot("deck-1", "44", Money.parse("0.012345"), Money.parse("0.1"), "USD", 30, 6);
        c.openedWall = 1_700_000_000_100L;
        c.lastHeardWall = 1_700_000_065_100L;
        c.seenEvents.add("c1:ATTEMPT:0");
        c.seenEvents.add("c1:ANSWERED:0");
        c.seenEvents.add("c1:INTERIM:1");
        return c;
    }

    static BalanceState fullBalance() {
        BalanceState b = new BalanceState();
        b.currency = "USD";
        b.credits = Money.parse("12345678.999999");
        b.charged = Money.parse("0.000001");
        b.live.put("c9", new LiveCharge(Money.ZERO, Money.ZERO, 0, false));
        b.live.put("c1", new LiveCharge(Money.parse("0.012345"), Money.parse("0.113374"), 66, true));
        b.live.put("c2", new LiveCharge(Money.parse("0.5"), Money.parse("1.5"), 180, true));
        b.cdrCount = 42;
        b.storedCdrs = 40;
        b.allowanceMonth = "2024-11";
        b.allowanceSeconds = 3600;
        b.lastDecision = "ALLOW";
        return b;
    }
}
