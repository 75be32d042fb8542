package io.sipstream.billing.rating;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.dataformat.csv.CsvFactory;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.sipstream.avro.Rate;
import io.sipstream.schemas.Money;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a rate deck from CSV: {@code prefix,price_per_minute,currency,first_increment,next_increment}
 * with an optional sixth column {@code connection_fee}, an optional header line, blank lines and
 * {@code #} comments. Every error names its line and column, because a deck of thousands of rows
 * is fixed by an operator with a text editor. Jackson's CSV parser reads the rows (quoting, doubled
 * quotes, line ends, comments); this class holds what a row must be.
 */
public final class RateDeckCsv {
    public static final List<String> COLUMNS =
            List.of("prefix", "price_per_minute", "currency", "first_increment", "next_increment", "connection_fee");
    public static final int MAX_INCREMENT = 3600;
    private static final Pattern DECK_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final BigDecimal MAX_PRICE = new BigDecimal("1000000");
    /** Without a schema every row is an array of cells; the columns are checked here, and a header only skipped. */
    private static final CsvFactory CSV = CsvFactory.builder()
            .enable(CsvParser.Feature.TRIM_SPACES)
            .enable(CsvParser.Feature.SKIP_EMPTY_LINES)
            .enable(CsvParser.Feature.ALLOW_COMMENTS)
            .build();

    /** A line of the CSV that cannot be a rate, with where it is and why. */
    public static final class CsvException extends RuntimeException {
        private final int line;
        private final int column;

        public CsvException(int line, int column, String reason) {
            super(where(line, column) + ": " + reason);
            this.line = line;
            this.column = column;
        }

        public int line() { return line; }

        /** 1-based; 0 when the error is about the whole line. */
        public int column() { return column; }

        /** "line 3, column 2 (price_per_minute)" */
        public String where() { return where(line, column); }

        private static String where(int line, int column) {
            if (column <= 0) return "line " + line;
            return "line " + line + ", column " + column + (column <= COLUMNS.size() ? " (" + COLUMNS.get(column - 1) + ")" : "");
        }
    }

    /** How {@link #write} writes: the header row, then one row per rate, quoted where RFC 4180 needs it. */
    private static final com.fasterxml.jackson.databind.ObjectWriter WRITER = new CsvMapper()
            .writer(CsvSchema.builder().addColumns(COLUMNS, CsvSchema.ColumnType.STRING).build().withHeader());

    /**
     * A deck as CSV in the columns {@link #parse} reads, with the header row: what {@code GET} answers to
     * {@code Accept: text/csv}, so a downloaded deck can be uploaded again unchanged.
     */
    public static String write(Collection<Rate> rates) {
        List<List<String>> rows = new ArrayList<>();
        for (Rate r : rates) {
            rows.add(List.of(r.getPrefix(), Money.of(r.getPricePerMinute()).toPlainString(), r.getCurrency(),
                    Integer.toString(r.getFirstIncrement()), Integer.toString(r.getNextIncrement()),
                    Money.of(r.getConnectionFee()).toPlainString()));
        }
        try {
            return WRITER.writeValueAsString(rows);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing Strings to a String does no I/O
        }
    }

    public static boolean validDeckId(String deckId) {
        return deckId != null && DECK_ID.matcher(deckId).matches();
    }

    public static List<Rate> parse(String deckId, String text) {
        if (!validDeckId(deckId)) {
            throw new IllegalArgumentException("deck id '" + deckId + "' must be 1 to 64 letters, digits, '.', '_' or '-'");
        }
        String csv = text == null ? "" : text;
        if (csv.startsWith("\uFEFF")) csv = csv.substring(1); // the byte order mark some editors write
        List<Rate> rows = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        List<String> cells = new ArrayList<>();
        int lineNo = 1;
        boolean first = true;
        try (CsvParser parser = CSV.createParser(csv)) {
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (token == JsonToken.START_ARRAY) {
                    cells.clear();
                    lineNo = parser.currentLocation().getLineNr();
                } else if (token == JsonToken.VALUE_STRING) {
                    cells.add(parser.getText().strip());
                } else if (token == JsonToken.END_ARRAY) {
                    // a line of tabs, or a comment indented by them, is still a blank line or a comment
                    if (cells.isEmpty() || cells.size() == 1 && cells.get(0).isEmpty() || cells.get(0).startsWith("#")) continue;
                    if (first) {
                        first = false;
                        if (cells.get(0).toLowerCase(Locale.ROOT).equals("prefix")) continue; // header
                    }
                    Rate rate = row(deckId, cells, lineNo);
                    Integer earlier = seen.putIfAbsent(rate.getPrefix(), lineNo);
                    if (earlier != null) {
                        throw new CsvException(lineNo, 1, "prefix " + rate.getPrefix() + " is already on line " + earlier);
                    }
                    rows.add(rate);
                }
            }
            lineNo = parser.currentLocation().getLineNr();
        } catch (StreamReadException e) {
            // broken quoting (a quote never closed, text after a closing one): name the row and the cell
            throw new CsvException(lineNo, Math.min(cells.size() + 1, COLUMNS.size()), e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a String does no I/O
        }
        if (rows.isEmpty()) throw new CsvException(Math.max(1, lineNo), 0, "the deck has no rate rows");
        return rows;
    }

    private static Rate row(String deckId, List<String> cells, int line) {
        if (cells.size() < 5) {
            throw new CsvException(line, 0, "has " + cells.size() + " columns, needs 5 ("
                    + String.join(",", COLUMNS.subList(0, 5)) + ") and an optional 6th (connection_fee)");
        }
        if (cells.size() > 6) {
            throw new CsvException(line, 7, "has " + cells.size() + " columns, at most 6 are allowed");
        }
        String prefix = cells.get(0);
        if (prefix.startsWith("+")) prefix = prefix.substring(1);
        if (!prefix.matches("[0-9]{1,15}")) {
            throw new CsvException(line, 1, "'" + cells.get(0) + "' is not a destination prefix (1 to 15 digits, optional leading +)");
        }
        BigDecimal price = amount(cells.get(1), line, 2);
        String currency = cells.get(2).toUpperCase(Locale.ROOT);
        if (!CURRENCY.matcher(currency).matches()) {
            throw new CsvException(line, 3, "'" + cells.get(2) + "' is not an ISO 4217 currency code (e.g. USD)");
        }
        int firstIncrement = increment(cells.get(3), line, 4, 0);
        int nextIncrement = increment(cells.get(4), line, 5, 1);
        BigDecimal fee = cells.size() > 5 && !cells.get(5).isEmpty() ? amount(cells.get(5), line, 6) : Money.ZERO;
        return Rate.newBuilder()
                .setDeckId(deckId)
                .setPrefix(prefix)
                .setPricePerMinute(Money.of(price))
                .setCurrency(currency)
                .setFirstIncrement(firstIncrement)
                .setNextIncrement(nextIncrement)
                .setConnectionFee(Money.of(fee))
                .build();
    }

    private static BigDecimal amount(String text, int line, int column) {
        BigDecimal value;
        try {
            value = Money.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CsvException(line, column, e.getMessage());
        }
        if (value.signum() < 0) throw new CsvException(line, column, "'" + text + "' is negative");
        if (value.compareTo(MAX_PRICE) > 0) throw new CsvException(line, column, "'" + text + "' is more than " + MAX_PRICE);
        return value;
    }

    private static int increment(String text, int line, int column, int min) {
        try {
            int value = Integer.parseInt(text);
            if (value < min || value > MAX_INCREMENT) {
                throw new CsvException(line, column, value + " seconds is outside " + min + ".." + MAX_INCREMENT);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new CsvException(line, column, "'" + text + "' is not a whole number of seconds");
        }
    }

    private RateDeckCsv() {}
}
