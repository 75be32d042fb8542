package io.sipstream.platform.dialplan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipstream.avro.DialPlanRule;
import io.sipstream.avro.DialPlanRuleType;
import java.util.List;
import org.junit.jupiter.api.Test;

class DialPatternTest {

    private static DialPlanRule rule(DialPlanRuleType type, String pattern, int strip, String prepend, String replace) {
        return DialPlanRule.newBuilder().setType(type).setPattern(pattern).setStrip(strip).setPrepend(prepend)
                .setReplace(replace).setTrunks(List.of()).build();
    }

    private static String apply(DialPlanRule rule, String dialled) {
        DialPattern p = DialPattern.compile(rule);
        return p.match(dialled).map(m -> DialPattern.rewrite(rule, m, dialled)).orElse(null);
    }

    @Test
    void shouldMatchExactSpeedDialAndReplaceIt() {
        DialPlanRule speedDial = rule(DialPlanRuleType.EXACT, "*100", 0, null, "+15559876543");
        assertThat(apply(speedDial, "*100")).isEqualTo("+15559876543");
        assertThat(apply(speedDial, "*1000")).isNull();
    }

    @Test
    void shouldMatchPrefixWildcardsOneCharacterEach() {
        DialPattern nanp = DialPattern.compile(DialPlanRuleType.PREFIX, "NXXNXXXXXX");
        assertThat(nanp.matches("5552234567")).isTrue();
        assertThat(nanp.matches("5551234567")).as("4th digit is N too").isFalse();
        assertThat(nanp.matches("1552234567")).as("N is 2-9").isFalse();
        assertThat(nanp.matches("55522345678")).as("no trailing dot: exact length").isFalse();
        DialPattern z = DialPattern.compile(DialPlanRuleType.PREFIX, "Z[1-3]X");
        assertThat(z.matches("125")).isTrue();
        assertThat(z.matches("015")).isFalse();
        assertThat(z.matches("145")).isFalse();
    }

    @Test
    void shouldStripAndPrependAfterTrailingDot() {
        DialPlanRule intl = rule(DialPlanRuleType.PREFIX, "011.", 3, "+", null);
        assertThat(apply(intl, "011442079460018")).isEqualTo("+442079460018");
        assertThat(apply(intl, "011")).as("'.' needs at least one more character").isNull();
        assertThat(DialPattern.compile(DialPlanRuleType.PREFIX, "011!").matches("011")).isTrue();
    }

    @Test
    void shouldRewriteRegexWithGroups() {
        DialPlanRule ext = rule(DialPlanRuleType.REGEX, "9(\\d{3})", 0, null, "+1555000$1");
        assertThat(apply(ext, "9123")).isEqualTo("+1555000123");
        assertThat(apply(ext, "91234")).as("whole string must match").isNull();
    }

    @Test
    void shouldRefuseBadPatternsWithTheReason() {
        assertThatThrownBy(() -> DialPattern.compile(DialPlanRuleType.PREFIX, "01A.")).hasMessageContaining("'A' at index 2");
        assertThatThrownBy(() -> DialPattern.compile(DialPlanRuleType.PREFIX, "0.1")).hasMessageContaining("only allowed at the end");
        assertThatThrownBy(() -> DialPattern.compile(DialPlanRuleType.PREFIX, "[a-z]")).hasMessageContaining("character class");
        assertThatThrownBy(() -> DialPattern.compile(DialPlanRuleType.REGEX, "(12")).hasMessageContaining("does not compile");
        assertThatThrownBy(() -> DialPattern.compile(DialPlanRuleType.EXACT, "")).hasMessageContaining("empty");
        assertThatThrownBy(() -> DialPattern.compile(rule(DialPlanRuleType.REGEX, "9(\\d)", 0, null, "$2")))
                .hasMessageContaining("refers to $2");
    }

    @Test
    void shouldGiveUpOnCatastrophicBacktrackingInsteadOfHanging() {
        DialPattern evil = DialPattern.compile(DialPlanRuleType.REGEX, "(\\d+)+x");
        long start = System.nanoTime();
        assertThat(evil.matches("1".repeat(40))).isFalse();
        assertThat(System.nanoTime() - start).as("bounded, not exponential").isLessThan(5_000_000_000L);
    }
}
