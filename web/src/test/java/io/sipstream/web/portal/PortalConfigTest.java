package io.sipstream.web.portal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipstream.platform.config.ConfigException;
import io.sipstream.platform.config.Settings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PortalConfigTest {
    private static Settings settings(String... pairs) {
        Map<String, String> v = new HashMap<>(Map.of("redis.url", "redis://127.0.0.1:6379"));
        for (int i = 0; i < pairs.length; i += 2) v.put(pairs[i], pairs[i + 1]);
        return Settings.of(v);
    }

    @Test
    void shouldRequireApprovalUnlessTheOperatorSaysOtherwise() {
        PortalConfig config = PortalConfig.from(settings());
        assertThat(config.signup()).isEqualTo(PortalConfig.Signup.APPROVAL);
        assertThat(config.poolAccount()).isEqualTo("pool");
        assertThat(config.lockoutFailures()).isEqualTo(5);
        assertThat(config.lockoutDuration()).isEqualTo(Duration.ofMinutes(15));
        assertThat(PortalConfig.from(settings("portal.signup", "Open")).signup()).isEqualTo(PortalConfig.Signup.OPEN);
    }

    @Test
    void shouldRefuseAnUnknownModeAndACodeModeWithoutAGoodCode() {
        assertThatThrownBy(() -> PortalConfig.from(settings("portal.signup", "invite")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("portal.signup").hasMessageContaining("open, approval or code");
        assertThatThrownBy(() -> PortalConfig.from(settings("portal.signup", "code")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("portal.signup.code");
        assertThatThrownBy(() -> PortalConfig.from(settings("portal.signup", "code", "portal.signup.code", "short")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("8 characters");
        assertThatThrownBy(() -> PortalConfig.from(settings("portal.region", "USA")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("portal.region");
    }
}
