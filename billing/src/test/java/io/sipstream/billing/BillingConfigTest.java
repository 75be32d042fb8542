package io.sipstream.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipstream.avro.UsagePeriod;
import io.sipstream.platform.config.ConfigException;
import io.sipstream.platform.config.Settings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BillingConfigTest {

    private static BillingConfig config(Map<String, String> more) {
        Map<String, String> s = new HashMap<>(Map.of("kafka.bootstrap", "k:9092", "schema.registry.url", "mem://config-test"));
        s.putAll(more);
        return BillingConfig.from(Settings.of(s));
    }

    @Test
    void shouldDefaultTheRetentionsAndKeepMonthsForever() {
        var r = config(Map.of()).retention();
        assertThat(r.cdrs()).isEqualTo(Duration.ofDays(90));
        assertThat(r.cdrsPerAccount()).isEqualTo(10_000);
        assertThat(r.usage(UsagePeriod.HOUR)).isEqualTo(Duration.ofDays(7));
        assertThat(r.usage(UsagePeriod.DAY)).isEqualTo(Duration.ofDays(400));
        assertThat(r.usage(UsagePeriod.MONTH)).isNull();
        assertThat(r.creditKeys()).isEqualTo(Duration.ofDays(400));
        assertThat(config(Map.of()).advertisedUrl()).isNull();
    }

    @Test
    void shouldTakeForeverOrADurationAndNameTheKeyOfABadValue() {
        var r = config(Map.of("billing.cdr.store.retention", "forever", "billing.usage.month.retention", "P800D")).retention();
        assertThat(r.cdrs()).isNull();
        assertThat(r.usage(UsagePeriod.MONTH)).isEqualTo(Duration.ofDays(800));
        assertThatThrownBy(() -> config(Map.of("billing.credit.key.retention", "a year")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("billing.credit.key.retention");
        assertThatThrownBy(() -> config(Map.of("billing.cdr.store.max.per.account", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("billing.cdr.store.max.per.account");
    }

    @Test
    void shouldAcceptOnlyAnHttpUrlWithAPortAsTheAdvertisedUrl() {
        assertThat(config(Map.of("billing.advertised.url", "http://10.0.0.7:8080/")).advertisedUrl().toString())
                .isEqualTo("http://10.0.0.7:8080");
        for (String bad : new String[] {"10.0.0.7:8080", "http://10.0.0.7", "ftp://h:1", "http://h:8080/v1"}) {
            assertThatThrownBy(() -> config(Map.of("billing.advertised.url", bad))).as(bad)
                    .isInstanceOf(ConfigException.class).hasMessageContaining("billing.advertised.url");
        }
    }
}
