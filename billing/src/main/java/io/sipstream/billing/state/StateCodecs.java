package io.sipstream.billing.state;

import io.sipstream.billing.balances.BalanceState;
import io.sipstream.billing.balances.CreditReceipt;
import io.sipstream.billing.balances.LiveCharge;
import io.sipstream.billing.calls.CallState;
import io.sipstream.rating.RateSnapshot;
import io.sipstream.schemas.Money;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;

/**
 * Avro binary of the state classes, field by field in the order of their schemas
 * (src/main/resources/io/sipstream/billing/state/*.avsc; StateCodecsTest reads and writes the same
 * bytes with Avro's generic reader and writer). Written by hand rather than through generated
 * classes: Avro's specific path, with its decimal conversions, was barely faster than the JSON it
 * replaces. Amounts are decimal(20, 6) as in {@link Money}: an amount with more decimals or digits
 * is refused rather than rounded, because state must come back exactly as it was.
 */
final class StateCodecs {

    /** Writes the value after its format byte; returns the format byte it wrote in. */
    interface Writer<T> { byte write(BinaryEncoder out, T value) throws IOException; }

    /** Reads a value of format {@code format} (one of the serde's Avro formats). */
    interface Reader<T> { T read(BinaryDecoder in, byte format) throws IOException; }

    // ---- CallState.avsc

    static byte writeCall(BinaryEncoder out, CallState s) throws IOException {
        writeString(out, s.callId);
        writeString(out, s.accountId);
        writeString(out, s.direction);
        writeString(out, s.callerId);
        writeString(out, s.destination);
        writeString(out, s.trunkId);
        out.writeLong(s.startedAt);
        if (present(out, s.answeredAt)) out.writeLong(s.answeredAt);
        out.writeLong(s.durationMillis);
        out.writeInt(s.sipStatus);
        if (present(out, s.rate)) writeRate(out, s.rate);
        writeString(out, s.unrated);
        out.writeLong(s.openedWall);
        out.writeLong(s.lastHeardWall);
        out.writeArrayStart();
        out.setItemCount(s.seenEvents == null ? 0 : s.seenEvents.size());
        if (s.seenEvents != null) {
            for (String event : s.seenEvents) {
                out.startItem();
                writeUtf8(out, event);
            }
        }
        out.writeArrayEnd();
        return StateSerde.AVRO_V1;
    }

    static CallState readCall(BinaryDecoder in, byte format) throws IOException {
        CallState s = new CallState();
        s.callId = readString(in);
        s.accountId = readString(in);
        s.direction = readString(in);
        s.callerId = readString(in);
        s.destination = readString(in);
        s.trunkId = readString(in);
        s.startedAt = in.readLong();
        s.answeredAt = present(in) ? in.readLong() : null;
        s.durationMillis = in.readLong();
        s.sipStatus = in.readInt();
        s.rate = present(in) ? readRate(in) : null;
        s.unrated = readString(in);
        s.openedWall = in.readLong();
        s.lastHeardWall = in.readLong();
        for (long n = in.readArrayStart(); n > 0; n = in.arrayNext()) {
            for (long i = 0; i < n; i++) s.seenEvents.add(in.readString());
        }
        return s;
    }

    private static void writeRate(BinaryEncoder out, RateSnapshot r) throws IOException {
        writeString(out, r.deckId());
        writeString(out, r.prefix());
        writeMoney(out, r.pricePerMinute());
        writeMoney(out, r.connectionFee());
        writeString(out, r.currency());
        out.writeInt(r.firstIncrement());
        out.writeInt(r.nextIncrement());
    }

    private static RateSnapshot readRate(BinaryDecoder in) throws IOException {
        String deckId = readString(in);
        String prefix = readString(in);
        BigDecimal pricePerMinute = readMoney(in);
        BigDecimal connectionFee = readMoney(in);
        String currency = readString(in);
        int firstIncrement = in.readInt();
        return new RateSnapshot(deckId, prefix, pricePerMinute, connectionFee, currency, firstIncrement, in.readInt());
    }

    // ---- BalanceState.avsc (0x01), BalanceStateV2.avsc (0x02: the same fields, then unpublishedUsageHours)

    /** Format 0x01 while no usage is unpublished (most balances, and readable by a billing before 0x02), else 0x02. */
    static byte writeBalance(BinaryEncoder out, BalanceState s) throws IOException {
        writeString(out, s.currency);
        writeMoney(out, s.credits);
        writeMoney(out, s.charged);
        out.writeMapStart();
        out.setItemCount(s.live == null ? 0 : s.live.size());
        if (s.live != null) {
            for (Map.Entry<String, LiveCharge> e : s.live.entrySet()) {
                out.startItem();
                writeUtf8(out, e.getKey());
                LiveCharge c = e.getValue();
                writeMoney(out, c.pricePerMinute);
                writeMoney(out, c.cost);
                out.writeLong(c.billableSeconds);
                out.writeBoolean(c.outbound);
            }
        }
        out.writeMapEnd();
        out.writeLong(s.cdrCount);
        out.writeLong(s.storedCdrs);
        writeString(out, s.allowanceMonth);
        out.writeLong(s.allowanceSeconds);
        writeString(out, s.lastDecision);
        if (s.unpublishedUsageHours == null || s.unpublishedUsageHours.isEmpty()) return StateSerde.AVRO_V1;
        out.writeArrayStart();
        out.setItemCount(s.unpublishedUsageHours.size());
        for (long hour : s.unpublishedUsageHours) {
            out.startItem();
            out.writeLong(hour);
        }
        out.writeArrayEnd();
        return StateSerde.AVRO_V2;
    }

    static BalanceState readBalance(BinaryDecoder in, byte format) throws IOException {
        BalanceState s = new BalanceState();
        s.currency = readString(in);
        s.credits = readMoney(in);
        s.charged = readMoney(in);
        for (long n = in.readMapStart(); n > 0; n = in.mapNext()) {
            for (long i = 0; i < n; i++) {
                String callId = in.readString();
                BigDecimal pricePerMinute = readMoney(in);
                BigDecimal cost = readMoney(in);
                long billableSeconds = in.readLong();
                s.live.put(callId, new LiveCharge(pricePerMinute, cost, billableSeconds, in.readBoolean()));
            }
        }
        s.cdrCount = in.readLong();
        s.storedCdrs = in.readLong();
        s.allowanceMonth = readString(in);
        s.allowanceSeconds = in.readLong();
        s.lastDecision = readString(in);
        if (format == StateSerde.AVRO_V2) {
            for (long n = in.readArrayStart(); n > 0; n = in.arrayNext()) {
                for (long i = 0; i < n; i++) s.unpublishedUsageHours.add(in.readLong());
            }
        }
        return s;
    }

    // ---- CreditReceipt.avsc

    static byte writeReceipt(BinaryEncoder out, CreditReceipt s) throws IOException {
        writeMoney(out, s.amount);
        writeString(out, s.currency);
        out.writeInt(s.partition);
        out.writeLong(s.offset);
        out.writeLong(s.processedAt);
        out.writeBoolean(s.applied);
        writeString(out, s.refusal);
        return StateSerde.AVRO_V1;
    }

    static CreditReceipt readReceipt(BinaryDecoder in, byte format) throws IOException {
        CreditReceipt s = new CreditReceipt();
        s.amount = readMoney(in);
        s.currency = readString(in);
        s.partition = in.readInt();
        s.offset = in.readLong();
        s.processedAt = in.readLong();
        s.applied = in.readBoolean();
        s.refusal = readString(in);
        return s;
    }

    // ---- ["null", T]: the union branch, then the value if present

    private static boolean present(BinaryEncoder out, Object value) throws IOException {
        out.writeIndex(value == null ? 0 : 1);
        return value != null;
    }

    private static boolean present(BinaryDecoder in) throws IOException {
        int branch = in.readIndex();
        if (branch != 0 && branch != 1) throw new IOException("union branch " + branch + " where [null, value] has two");
        return branch == 1;
    }

    private static void writeString(BinaryEncoder out, String value) throws IOException {
        if (present(out, value)) writeUtf8(out, value);
    }

    /** An Avro string is its UTF-8 bytes with their length: String.getBytes is much faster than Avro's own writeString. */
    private static void writeUtf8(BinaryEncoder out, String value) throws IOException {
        out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
    }

    private static String readString(BinaryDecoder in) throws IOException {
        return present(in) ? in.readString() : null;
    }

    /** decimal(20, 6): the two's-complement big-endian bytes of the unscaled value. */
    private static void writeMoney(BinaryEncoder out, BigDecimal amount) throws IOException {
        if (!present(out, amount)) return;
        BigDecimal exact;
        try {
            exact = amount.setScale(Money.SCALE, RoundingMode.UNNECESSARY);
        } catch (ArithmeticException e) {
            throw new ArithmeticException("amount " + amount.toPlainString() + " has more than 6 decimal places");
        }
        if (exact.precision() > 20) throw new ArithmeticException("amount " + amount.toPlainString() + " exceeds decimal(20, 6)");
        out.writeBytes(exact.unscaledValue().toByteArray());
    }

    /** An amount as {@link #readMoney} reads it back: at scale 6 (writeMoney refused it if that was not exact). */
    private static BigDecimal money(BigDecimal amount) {
        return amount == null || amount.scale() == Money.SCALE ? amount : amount.setScale(Money.SCALE, RoundingMode.UNNECESSARY);
    }

    private static BigDecimal readMoney(BinaryDecoder in) throws IOException {
        if (!present(in)) return null;
        ByteBuffer bytes = in.readBytes(null);
        if (!bytes.hasRemaining()) throw new IOException("decimal with no bytes");
        return new BigDecimal(new BigInteger(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining()), Money.SCALE);
    }

    private StateCodecs() {}
}
