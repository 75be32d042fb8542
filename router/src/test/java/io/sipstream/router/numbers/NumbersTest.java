package io.sipstream.router.numbers;

import java.util.List;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NumbersTest {
    private final NumberNormalizer normalizer = new NumberNormalizer();

    @Test
    void shouldReadTheUserPartOfUrisAndItsPhoneContext() {
        DialString d = DialString.parse("sip:555-1234;phone-context=+1-212@edge.example;user=phone");
        assertThat(d.user()).isEqualTo("555-1234");
        assertThat(d.digits()).isEqualTo("5551234");
        assertThat(d.phoneContext()).isEqualTo("+1-212");
        assertThat(d.numericContext()).isEqualTo("+1212");
        assertThat(DialString.parse("tel:7042;phone-context=example.com").numericContext()).isNull();
        assertThat(DialString.parse("  *100 ").user()).isEqualTo("*100");
    }

    @Test
    void shouldKnowTheRegionAndNationalFormOfANumber() {
        E164Number n = normalizer.normalise("+44 20 7946 0000", "US").number();
        assertThat(n.e164()).isEqualTo("+442079460000");
        assertThat(n.region()).isEqualTo("GB");
        assertThat(n.countryCode()).isEqualTo(44);
        assertThat(n.nationalSignificant()).isEqualTo("2079460000");
        assertThat(n.digits()).isEqualTo("442079460000");
        // a fictional +1 555 number has no region of its own: the country code's main one
        assertThat(normalizer.normalise("+15551234567", "US").number().region()).isEqualTo("US");
        assertThat(normalizer.normalise("+88234512345", "US").number().region()).isEqualTo("001");
    }

    @Test
    void shouldSayWhyAStringIsNoNumber() {
        assertThat(normalizer.normalise("5551234", "US").problem()).contains("local number");
        assertThat(normalizer.normalise("12", "US").problem()).isNotBlank();
        assertThat(normalizer.normalise("*100", "US").problem()).contains("service code");
        assertThat(normalizer.normalise("555+1234", "US").problem()).contains("'+' inside");
        assertThat(normalizer.normalise("", "US").problem()).isEqualTo("nothing was dialled");
    }

    @Test
    void shouldReadCanonicalE164WithoutTheParserExactlyAsTheParserDoes() throws Exception {
        var util = com.google.i18n.phonenumbers.PhoneNumberUtil.getInstance();
        for (String n : List.of("+15551234567", "+442079460000", "+81312345678", "+8613912345678", "+353861234567",
                "+88234512345", "+870773111632", "+2126501234", "+12684601234", "+79161234567", "+4915123456789")) {
            assertThat(NumberNormalizer.canonicalE164(n)).as(n).isEqualTo(util.parse(n, "ZZ"));
        }
        assertThat(NumberNormalizer.canonicalE164("+390612345678")).as("Italian leading zero needs the parser").isNull();
        assertThat(NumberNormalizer.canonicalE164("+2812345678")).as("no country code 28x").isNull();
        assertThat(NumberNormalizer.canonicalE164("+1555")).isNull();
    }

    @Test
    void shouldGiveARememberedNumberTheRegionLibphonenumberGivesIt() throws Exception {
        var util = com.google.i18n.phonenumbers.PhoneNumberUtil.getInstance();
        // shared country codes (NANP, +44, +7, +262), an Italian leading zero, a non-geographic code; each read twice:
        // the second from what the first remembered
        for (String n : List.of("+12125550123", "+16845551234", "+12684601234", "+15551234567", "+442079460000",
                "+441481712345", "+447700900123", "+79161234567", "+77012345678", "+262262123456", "+390612345678",
                "+88234512345")) {
            var parsed = util.parse(n, "ZZ");
            String region = util.getRegionCodeForNumber(parsed);
            for (int i = 0; i < 2; i++) {
                E164Number read = NumberNormalizer.toE164(util.parse(n, "ZZ"));
                assertThat(read.e164()).as(n).isEqualTo(n);
                assertThat(read.region()).as(n).isEqualTo(region != null ? region : util.getRegionCodeForCountryCode(parsed.getCountryCode()));
                assertThat(read.countryCode()).as(n).isEqualTo(parsed.getCountryCode());
                assertThat(read.nationalSignificant()).as(n).isEqualTo(util.getNationalSignificantNumber(parsed));
            }
        }
        assertThat(normalizer.normalise("+1 684 555 1234", "US").number().region()).isEqualTo("AS");
        assertThat(normalizer.normalise("(684) 555-1234", "US").number().region()).isEqualTo("AS");
        assertThat(normalizer.normalise("01481 712345", "GB").number().region()).isEqualTo("GG");
    }

    @Test
    void shouldRememberRepeatedStrings() {
        assertThat(normalizer.normaliseRepeated("+15551230001", "US")).isSameAs(normalizer.normaliseRepeated("+15551230001", "US"));
        assertThat(normalizer.normaliseRepeated("5551230001", "US").number().e164()).isEqualTo("+15551230001");
        assertThat(normalizer.normaliseRepeated("02079460000", "GB").number().e164()).isEqualTo("+442079460000");
    }

    @Test
    void shouldMatchTheMostSpecificBarredPrefix() {
        BarredPrefixes barred = BarredPrefixes.of(List.of("+44", "+449", "1900"));
        assertThat(barred.match("+449098790000")).isEqualTo("+449");
        assertThat(barred.match("+442079460000")).isEqualTo("+44");
        assertThat(barred.match("+19005551234")).isEqualTo("+1900");
        assertThat(barred.match("+15551234567")).isNull();
        assertThatThrownBy(() -> BarredPrefixes.of(List.of("+1-900", "x"))).hasMessageContaining("'x'");
    }
}
