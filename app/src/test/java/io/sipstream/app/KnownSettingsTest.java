package io.sipstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipstream.app.KnownSettings.Reader;
import io.sipstream.app.KnownSettings.Sources;
import io.sipstream.platform.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The settings sipstream knows, as its readers ask for them, and what a command does with one it does not know. */
class KnownSettingsTest {
    private static final Path ROOT = Files.exists(Path.of("..", "bin", "sipstream")) ? Path.of("..") : Path.of(".");
    private static final Map<String, String> COMPLETE = Map.of("kafka.bootstrap", "k:9092", "schema.registry.url", "http://r:8081",
            "redis.url", "redis://r:6379", "api.key", "known-settings-test-key");

    @Test
    void shouldKnowWhatEveryServiceReads() {
        KnownSettings.Known all = KnownSettings.all();

        assertThat(all.keys()).contains("kafka.bootstrap", "api.key", "http.port", "registry.publish.batch", "router.session.timeout",
                "billing.commit.interval", "billing.purge.batch", "edge.verdict.timeout", "sip.advertised.host", "edge.auth.algorithms");
        assertThat(all.prefixes()).contains("kafka.client.", "router.streams.");
        assertThat(all.knows("kafka.client.security.protocol")).isTrue();
        assertThat(all.knows("edge.verdict.timout")).isFalse();
    }

    @Test
    void shouldSuggestTheNearestKnownKey() {
        KnownSettings.Known all = KnownSettings.all();

        assertThat(all.nearest("edge.verdict.timout")).isEqualTo("edge.verdict.timeout");
        assertThat(all.nearest("kafka.bootsrap")).isEqualTo("kafka.bootstrap");
        assertThat(all.nearest("kafka.clinet.security.protocol")).isEqualTo("kafka.client.security.protocol");
        assertThat(all.nearest("registry.numbers.allow.fictional")).isEqualTo("registry.numbers.allow-fictional");
        assertThat(all.nearest("completely.different")).isNull();
    }

    @Test
    void shouldSpellTheSuggestionAsTheUnknownKeyWasGiven() {
        Map<String, String> given = new HashMap<>(COMPLETE);
        given.put("edge.verdict.timout", "3s");
        given.put("registry.numbers.allow.fictional", "false");
        Sources fromVariables = Sources.environment(Map.of("SIPSTREAM_EDGE_VERDICT_TIMOUT", "3s",
                "SIPSTREAM_REGISTRY_NUMBERS_ALLOW_FICTIONAL", "false"));

        assertThatThrownBy(() -> KnownSettings.check(Settings.of(given), EnumSet.allOf(Reader.class), fromVariables, "sipstream local"))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("SIPSTREAM_EDGE_VERDICT_TIMOUT (did you mean SIPSTREAM_EDGE_VERDICT_TIMEOUT?)")
                .hasMessageContaining("SIPSTREAM_REGISTRY_NUMBERS_ALLOW_FICTIONAL (did you mean "
                        + "--registry.numbers.allow-fictional=... (no variable can set it)?)");
    }

    @Test
    void shouldReportAMisspeltKeyRatherThanTheRequiredOneItMisses() {
        Map<String, String> given = new HashMap<>(COMPLETE);
        given.remove("kafka.bootstrap");
        given.put("kafka.bootsrap", "k:9092");

        assertThatThrownBy(() -> KnownSettings.check(Settings.of(given), EnumSet.of(Reader.ROUTER),
                new Sources(Map.of("kafka.bootsrap", "k:9092"), Map.of(), null), "sipstream router"))
                .isInstanceOf(UsageException.class).hasMessage("unknown setting --kafka.bootsrap (did you mean --kafka.bootstrap?); "
                        + "docs/configuration.md lists them");
    }

    @Test
    void shouldOnlyWarnOfAnotherServicesSetting() {
        Map<String, String> given = new HashMap<>(COMPLETE);
        given.remove("redis.url"); // the router has no Redis
        given.put("edge.verdict.timeout", "3s");

        List<String> warnings = KnownSettings.check(Settings.of(given), EnumSet.of(Reader.ADMIN_SERVER, Reader.ROUTER),
                Sources.environment(Map.of("SIPSTREAM_EDGE_VERDICT_TIMEOUT", "3s")), "sipstream router");

        assertThat(warnings).containsExactly("SIPSTREAM_EDGE_VERDICT_TIMEOUT is not read by sipstream router "
                + "(another service's setting): ignored");
    }

    @Test
    void shouldTakeTheLaunchersVariablesForNoSettings() throws IOException {
        // every SIPSTREAM_* that bin/sipstream or logback.xml reads, so none of them is refused as an unknown setting
        Set<String> used = new TreeSet<>();
        for (Path file : List.of(ROOT.resolve("bin/sipstream"), ROOT.resolve("app/src/main/resources/logback.xml"))) {
            Matcher m = Pattern.compile("SIPSTREAM_[A-Z0-9_]+").matcher(Files.readString(file));
            while (m.find()) used.add(m.group());
        }

        assertThat(used).contains("SIPSTREAM_JAVA_OPTS", "SIPSTREAM_LOG_LEVEL", "SIPSTREAM_LOG_FORMAT", "SIPSTREAM_SIP_TRACE");
        assertThat(KnownSettings.LAUNCHER_VARIABLES).containsAll(used);
        assertThat(KnownSettings.settingVariables(Map.of("SIPSTREAM_JAVA_OPTS", "-Xmx1g", "SIPSTREAM_SIP_PORT", "5070", "PATH", "/bin")))
                .containsOnlyKeys("SIPSTREAM_SIP_PORT");
    }

    @Test
    void shouldRefuseNoVariableThatDockerComposeOrItsEnvFileNames() throws IOException {
        // an operator who exported .env for docker-compose can still run bin/sipstream in that shell
        Set<String> named = new TreeSet<>();
        for (Path file : List.of(ROOT.resolve("docker-compose.yml"), ROOT.resolve(".env.example"))) {
            Matcher m = Pattern.compile("SIPSTREAM_[A-Z0-9_]+").matcher(Files.readString(file));
            while (m.find()) named.add(m.group());
        }
        Set<String> refused = new TreeSet<>();
        for (String name : named) {
            boolean setting = KnownSettings.settingVariables(Map.of(name, "x")).containsKey(name);
            if (setting && !KnownSettings.all().knows(Settings.keyOfVariable(name))) refused.add(name);
        }

        assertThat(named).contains("SIPSTREAM_API_KEY", "SIPSTREAM_DOMAIN");
        assertThat(refused).as("SIPSTREAM_* names in docker-compose.yml or .env.example that sipstream would refuse").isEmpty();
        assertThat(KnownSettings.composeVariables(Map.of("SIPSTREAM_DOMAIN", "example.net")))
                .containsExactly("SIPSTREAM_DOMAIN is docker-compose's .env name of SIPSTREAM_SIP_DOMAIN: not used here");
    }

    @Test
    void shouldFindEveryKnownKeyInTheConfigurationDocs() throws IOException {
        String docs = Files.readString(ROOT.resolve("docs/configuration.md"));
        Set<String> undocumented = new TreeSet<>();
        for (String key : KnownSettings.all().keys()) if (!docs.contains("`" + key + "`")) undocumented.add(key);
        for (String prefix : KnownSettings.all().prefixes()) if (!docs.contains("`" + prefix + "*`")) undocumented.add(prefix + "*");

        assertThat(undocumented).as("settings the code reads that docs/configuration.md does not name").isEmpty();
    }
}
