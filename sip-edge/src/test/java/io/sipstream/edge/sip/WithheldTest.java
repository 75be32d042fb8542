package io.sipstream.edge.sip;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WithheldTest {

    @Test
    void shouldTellAPeerOnlyTheStatusPhraseAndTheReference() {
        Withheld why = Withheld.of("account acme has 2 live calls, its limit is 2");
        assertThat(why.ref()).matches("[a-z2-7]{8}");
        assertThat(why.reason()).isEqualTo("account acme has 2 live calls, its limit is 2");
        assertThat(why.publicText(403)).isEqualTo("Forbidden; ref=" + why.ref()).doesNotContain("acme");
    }

    @Test
    void shouldGiveEveryReasonAReferenceOfItsOwn() {
        Set<String> refs = new HashSet<>();
        for (int i = 0; i < 10_000; i++) refs.add(Withheld.of("same reason").ref());
        assertThat(refs).as("40 random bits: no repeat in 10 000").hasSize(10_000);
    }
}
