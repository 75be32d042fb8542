package io.sipstream.billing.rating;

import io.sipstream.avro.Rate;
import io.sipstream.schemas.Money;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a rate deck from CSV: {@code prefix,price_per_minute,currency,first_increment,next_increment}
 * with an optional sixth column {@code connection_fee}, an optional header line, blank lines and
 * {@code #} comments. Every error names its line and column, because a deck of thousands of rows
 * is fixed by an operator with a text editor.
 */
public final class RateDeckCsv {
    public static final List<String> COLUMNS =
            List.of("prefix", "price_per_minute", "currency", "first_increment", "next_increment", "connection_fee");
    public static final int MAX_INCREMENT = 3600;
    private static final Pattern DECK_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final BigDecimal MAX_PRICE = new BigDecimal("1000000");

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

    public static boolean validDeckId(String deckId) {
        return deckId != null && DECK_ID.matcher(deckId).matches();
    }

    public static List<Rate> parse(String deckId, String text) {
        if (!validDeckId(deckId)) {
            throw new IllegalArgumentException("deck id '" + deckId + "' must be 1 to 64 letters, digits, '.', '_' or '-'");
        }
        List<Rate> rows = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        String[] lines = (text == null ? "" : text).split("\r\n|\r|\n", -1);
        boolean first = true;
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i].strip();
            if (i == 0 && line.startsWith("\uFEFF")) line = line.substring(1).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            List<String> cells = split(line, lineNo);
            if (first) {
                first = false;
                if (cells.get(0).toLowerCase(Locale.ROOT).equals("prefix")) continue; // header
            }
            if (cells.size() < 5) {
                throw new CsvException(lineNo, 0, "has " + cells.size() + " columns, needs 5 ("
                        + String.join(",", COLUMNS.subList(0, 5)) + ") and an optional 6th (connection_fee)");
            }
            if (cells.size() > 6) {
                throw new CsvException(lineNo, 7, "has " + cells.size() + " columns, at most 6 are allowed");
            }
            Rate rate = row(deckId, cells, lineNo);
            Integer earlier = seen.putIfAbsent(rate.getPrefix(), lineNo);
            if (earlier != null) {
                throw new CsvException(lineNo, 1, "prefix " + rate.getPrefix() + " is already on line " + earlier);
            }
            rows.add(rate);
        }
        if (rows.isEmpty()) throw new CsvException(Math.max(1, lines.length), 0, "the deck has no rate rows");
        return rows;
    }

    private static Rate row(String deckId, List<String> cells, int line) {
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

    /** Splits on commas; a cell may be quoted ("0,5" is not a number, but "USD" is fine). */
    private static List<String> split(String line, int lineNo) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                if (quoted && i + 1 < line.length() && line.charAt(i + 1) == '"') { cell.append('"'); i++; }
                else quoted = !quoted;
            } else if (c == ',' && !quoted) {
                cells.add(cell.toString().strip());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        if (quoted) throw new CsvException(lineNo, Math.min(cells.size() + 1, COLUMNS.size()), "unterminated quote");
        cells.add(cell.toString().strip());
        return cells;
    }

    private RateDeckCsv() {}
}
