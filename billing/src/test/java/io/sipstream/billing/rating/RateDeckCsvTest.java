package io.sipstream.billing.rating;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.sipstream.avro.Rate;
import io.sipstream.schemas.Money;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RateDeckCsvTest {

    @Test
    void shouldReadRowsWithAnOptionalHeaderFeeColumnCommentsAndBlankLines() {
        String csv = """
                prefix,price_per_minute,currency,first_increment,next_increment,connection_fee
                # North America
                1,0.012,USD,60,60

                +44,0.0150,usd,30,6,0.05\r
                "49","0.02","EUR",1,1,
                """;
        List<Rate> rows = RateDeckCsv.parse("retail", csv);
        assertThat(rows).hasSize(3);
        Rate uk = rows.get(1);
        assertThat(uk.getDeckId()).isEqualTo("retail");
        assertThat(uk.getPrefix()).isEqualTo("44");
        assertThat(uk.getPricePerMinute()).isEqualTo(Money.parse("0.015"));
        assertThat(uk.getCurrency()).isEqualTo("USD");
        assertThat(uk.getFirstIncrement()).isEqualTo(30);
        assertThat(uk.getNextIncrement()).isEqualTo(6);
        assertThat(uk.getConnectionFee()).isEqualTo(Money.parse("0.05"));
        assertThat(rows.get(0).getConnectionFee()).isEqualTo(Money.ZERO);
        assertThat(rows.get(2).getCurrency()).isEqualTo("EUR");
    }

    @Test
    void shouldWriteADeckInTheColumnsItReadsSoThatItReadsBackTheSame() {
        List<Rate> deck = RateDeckCsv.parse("retail", "1,0.012,USD,60,60\n+44,0.0150,usd,30,6,0.05\n49,0.02,EUR,1,1,\n");
        String csv = RateDeckCsv.write(deck);
        assertThat(csv.lines().findFirst()).contains(String.join(",", RateDeckCsv.COLUMNS));
        assertThat(csv.lines().toList()).contains("44,0.015000,USD,30,6,0.050000");
        assertThat(RateDeckCsv.parse("retail", csv)).isEqualTo(deck);
    }

    @Test
    void shouldNameTheLineAndColumnOfABadValue() {
        assertError("1,0.01,USD,60,60\n44,abc,USD,60,60\n", 2, 2, "price_per_minute");
        assertError("1,0.01,USD,60,60\n1x,0.01,USD,60,60\n", 2, 1, "prefix");
        assertError("1,0.01,US,60,60\n", 1, 3, "currency");
        assertError("prefix,price\n1,0.01,USD,sixty,60\n", 2, 4, "first_increment");
        assertError("1,0.01,USD,60,0\n", 1, 5, "next_increment");
        assertError("1,0.01,USD,60,60,-1\n", 1, 6, "connection_fee");
        assertError("1,0.0000001,USD,60,60\n", 1, 2, "more than 6 decimal places");
        assertError("1,0.01,USD,60,60\n1,0.02,USD,60,60\n", 2, 1, "already on line 1");
    }

    @Test
    void shouldRefuseAnAmountTooLargeOrTooLongBeforeReadingItOut() {
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertError("1,1e999999999,USD,60,60\n", 1, 2, "'1e999999999' is out of range");
            assertError("1,0.01,USD,60,60,1e-999999999\n", 1, 6, "more than 6 decimal places");
            // BigDecimal reads digits in time that grows with their square: a cell of 900,000 is refused unread
            assertError("1," + "9".repeat(900_000) + ",USD,60,60\n", 1, 2, "longer than 40 characters");
        });
    }

    @Test
    void shouldRefuseWrongColumnCountsAndEmptyDecks() {
        assertThatThrownBy(() -> RateDeckCsv.parse("d", "1,0.01,USD,60\n"))
                .isInstanceOf(RateDeckCsv.CsvException.class).hasMessageStartingWith("line 1: has 4 columns");
        assertThatThrownBy(() -> RateDeckCsv.parse("d", "1,0.01,USD,60,60,0,x\n"))
                .isInstanceOf(RateDeckCsv.CsvException.class).hasMessageStartingWith("line 1, column 7");
        assertThatThrownBy(() -> RateDeckCsv.parse("d", "prefix,price_per_minute\n"))
                .isInstanceOf(RateDeckCsv.CsvException.class).hasMessageContaining("no rate rows");
        assertThatThrownBy(() -> RateDeckCsv.parse("bad:deck", "1,0.01,USD,60,60"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("deck id");
    }

    @Test
    void shouldKeepAQuotedCommaInsideItsCell() {
        // one cell "0,5", not two: the row keeps its 5 columns and the price is what is wrong
        assertError("1,0.01,USD,60,60\n44,\"0,5\",USD,60,60\n", 2, 2, "'0,5' is not a decimal number");
        List<Rate> rows = RateDeckCsv.parse("d", "\"prefix\",\"price_per_minute\",\"currency\",\"first_increment\",\"next_increment\"\n"
                + "\"44\", \"0.5\" ,\"gbp\",\"60\",\"60\"\n");
        assertThat(rows).singleElement().satisfies(r -> {
            assertThat(r.getPrefix()).isEqualTo("44");
            assertThat(r.getPricePerMinute()).isEqualTo(Money.parse("0.5"));
            assertThat(r.getCurrency()).isEqualTo("GBP");
        });
    }

    @Test
    void shouldNameTheRowAndCellOfBrokenQuoting() {
        assertError("1,0.01,USD,60,60\n44,0.02,\"USD,60,60\n", 2, 3, "quote");
        assertError("1,0.01,USD,60,60\n44,\"0.02\"x,USD,60,60\n", 2, 2, "separator");
    }

    @Test
    void shouldSkipAByteOrderMarkAndBlankOrIndentedCommentLinesAndCountThemAsLines() {
        String csv = "\uFEFFprefix,price_per_minute,currency,first_increment,next_increment\n"
                + "\t\n"
                + "  # spaces\n"
                + "\t# a tab\n"
                + "1,0.01,USD,60,60\r"
                + "44,0.02,USD,60,sixty\n";
        assertError(csv, 6, 5, "'sixty' is not a whole number of seconds");
        assertThat(RateDeckCsv.parse("d", csv.replace("sixty", "60"))).hasSize(2);
    }

    private static void assertError(String csv, int line, int column, String text) {
        assertThatThrownBy(() -> RateDeckCsv.parse("d", csv))
                .isInstanceOfSatisfying(RateDeckCsv.CsvException.class, e -> {
                    assertThat(e.line()).isEqualTo(line);
                    assertThat(e.column()).isEqualTo(column);
                    assertThat(e.getMessage()).contains(text);
                });
    }
}
