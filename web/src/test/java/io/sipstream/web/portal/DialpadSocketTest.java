package io.sipstream.web.portal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipstream.platform.config.ConfigException;
import io.sipstream.platform.config.Settings;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DialpadSocketTest {
    private static DialpadSocket socket(String... pairs) {
        Map<String, String> v = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) v.put(pairs[i], pairs[i + 1]);
        return DialpadSocket.from(Settings.of(v));
    }

    @Test
    void shouldReachTheEdgesWebSocketOnTheHostThePageCameFrom() {
        DialpadSocket both = socket("sip.ws.port", "5066", "sip.wss.port", "7443");
        assertThat(both.urlFor("pbx.example.com:8080", false)).isEqualTo("ws://pbx.example.com:5066");
        assertThat(both.urlFor("pbx.example.com", true)).as("an HTTPS page may only open wss").isEqualTo("wss://pbx.example.com:7443");
        assertThat(both.urlFor("[::1]:8080", false)).isEqualTo("ws://[::1]:5066");
        assertThat(socket("sip.wss.port", "7443").urlFor("127.0.0.1:8080", false)).isEqualTo("wss://127.0.0.1:7443");
    }

    @Test
    void shouldPreferTheOperatorsUrlAndBeOffWithoutAnyWebSocket() {
        DialpadSocket given = socket("portal.dialpad.ws.url", "wss://sip.example.com/ws", "sip.ws.port", "5066");
        assertThat(given.urlFor("portal.example.com", true)).isEqualTo("wss://sip.example.com/ws");
        assertThat(DialpadSocket.origin("wss://sip.example.com/ws")).isEqualTo("wss://sip.example.com");
        assertThat(DialpadSocket.origin("ws://127.0.0.1:5066")).isEqualTo("ws://127.0.0.1:5066");
        assertThat(socket().urlFor("127.0.0.1:8080", false)).isNull();
        assertThat(socket("sip.ws.port", "0").urlFor("127.0.0.1:8080", false)).as("a port known only once bound").isNull();
    }

    @Test
    void shouldNeverPutAForgedHostIntoTheUrlOrThePolicy() {
        DialpadSocket ws = socket("sip.ws.port", "5066");
        assertThat(ws.urlFor("evil.example; script-src *", false)).isNull();
        assertThat(ws.urlFor("a\r\nSet-Cookie: x", false)).isNull();
        assertThat(ws.urlFor(null, false)).isNull();
    }

    @Test
    void shouldRefuseAUrlThatIsNotAWebSocket() {
        assertThatThrownBy(() -> socket("portal.dialpad.ws.url", "https://sip.example.com"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("portal.dialpad.ws.url").hasMessageContaining("ws://");
        assertThatThrownBy(() -> socket("portal.dialpad.ws.url", "wss:// bad"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("portal.dialpad.ws.url");
    }
}
