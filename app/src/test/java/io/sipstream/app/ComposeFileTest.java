package io.sipstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.billing.BillingConfig;
import io.sipstream.edge.EdgeConfig;
import io.sipstream.platform.ServiceContext;
import io.sipstream.platform.StandaloneMain;
import io.sipstream.platform.config.Settings;
import io.sipstream.registry.RegistryConfig;
import io.sipstream.router.RouterConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml held against the code: a SIPSTREAM_* variable that no setting reads is silently
 * ignored by the service, so it is checked here. CI checks the file's syntax (.ci/run: docker-compose config).
 */
class ComposeFileTest {
    /** What each service command of the image reads its settings into (ServiceCommand). */
    private static final Map<String, Function<Settings, ?>> CONFIGS = Map.of(
            "registry", RegistryConfig::from, "router", RouterConfig::from,
            "billing", BillingConfig::from, "edge", EdgeConfig::from);
    /** Stands in for a variable compose requires (${VAR:?...}): long enough for the API and secrets keys. */
    private static final String REQUIRED_VALUE = "compose-file-test-value";
    private static final Pattern INTERPOLATION = Pattern.compile("\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?}");

    private static final Path ROOT = Files.exists(Path.of("..", "docker-compose.yml")) ? Path.of("..") : Path.of(".");
    private static final String COMPOSE_TEXT = read(ROOT.resolve("docker-compose.yml"));
    private static final Map<String, Map<String, Object>> SERVICES = services(COMPOSE_TEXT);

    @Test
    void everySipstreamVariableIsASettingItsServiceReads() {
        List<String> problems = new ArrayList<>();
        Set<String> given = new TreeSet<>();
        SERVICES.forEach((name, service) -> {
            if (!"sipstream:local".equals(service.get("image"))) return;
            List<String> command = strings(service.get("command"));
            Function<Settings, ?> config = command.isEmpty() ? null : CONFIGS.get(command.get(0));
            if (config == null) {
                problems.add(name + ": command " + command + " is none of " + CONFIGS.keySet());
                return;
            }
            Map<String, String> env = environment(service);
            given.addAll(env.keySet());
            Settings settings = StandaloneMain.parse(command.subList(1, command.size()).toArray(String[]::new), env);
            ServiceContext.create(settings); // the admin server's settings: http.host, http.port, api.key
            config.apply(settings);
            for (String key : settings.unread()) {
                problems.add(name + ": SIPSTREAM_" + key.toUpperCase(Locale.ROOT).replace('.', '_')
                        + " is no setting that " + command.get(0) + " reads (docs/configuration.md)");
            }
        });
        // a variable of .env named SIPSTREAM_X sets the setting SIPSTREAM_X, except the two names .env had
        // before the settings were named (kept: docker-compose's .env is a contract with its users)
        for (String variable : interpolated(COMPOSE_TEXT)) {
            if (variable.startsWith("SIPSTREAM_") && !given.contains(variable) && !ENV_ALIASES.contains(variable)) {
                problems.add("${" + variable + "} sets no service's " + variable);
            }
        }

        assertThat(given).as("the services' SIPSTREAM_* variables").contains("SIPSTREAM_KAFKA_BOOTSTRAP", "SIPSTREAM_SIP_ADVERTISED_HOST");
        assertThat(problems).isEmpty();
    }

    /** .env names older than the settings they set: SIPSTREAM_SIP_DOMAIN and SIPSTREAM_SIP_ADVERTISED_HOST. */
    private static final Set<String> ENV_ALIASES = Set.of("SIPSTREAM_DOMAIN", "SIPSTREAM_PUBLIC_HOST");

    @Test
    void envExampleNamesTheVariablesComposeReads() {
        Set<String> interpolated = interpolated(COMPOSE_TEXT);
        Set<String> example = new TreeSet<>();
        Set<String> uncommented = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^(#?)([A-Z][A-Z0-9_]*)=").matcher(read(ROOT.resolve(".env.example")));
        while (m.find()) {
            example.add(m.group(2));
            if (m.group(1).isEmpty()) uncommented.add(m.group(2));
        }
        Set<String> required = new TreeSet<>();
        Matcher r = INTERPOLATION.matcher(COMPOSE_TEXT);
        while (r.find()) if (r.group(2) != null && r.group(2).endsWith("?")) required.add(r.group(1));

        assertThat(interpolated).as("variables docker-compose.yml reads").containsExactlyInAnyOrderElementsOf(example);
        assertThat(uncommented).as("variables .env.example asks for").containsExactlyInAnyOrderElementsOf(required);
    }

    @Test
    void kafkaImageIsTheVersionOfTheKafkaClients() {
        assertThat(SERVICES.get("kafka").get("image")).isEqualTo("apache/kafka:" + AppInfoParser.getVersion());
    }

    @Test
    void publishedPortsStayOnLoopbackUnlessEnvOpensThem() {
        SERVICES.forEach((name, service) -> {
            for (String port : strings(service.get("ports"))) {
                assertThat(resolve(port)).as(name + " publishes " + port).startsWith("127.0.0.1:");
            }
        });
        assertThat(strings(SERVICES.get("redis").get("ports"))).as("Redis has no password: never published").isEmpty();
    }

    @Test
    void everyServiceHasAHealthcheckAndAStopGracePeriod() {
        SERVICES.forEach((name, service) -> {
            assertThat(service).as(name).containsKeys("healthcheck", "stop_grace_period");
            assertThat(strings(((Map<?, ?>) service.get("healthcheck")).get("test"))).as(name + "'s healthcheck").isNotEmpty();
        });
    }

    /** The container environment of a service, with compose's ${...} replaced by defaults or a stand-in. */
    private static Map<String, String> environment(Map<String, Object> service) {
        Map<String, String> env = new LinkedHashMap<>();
        if (service.get("environment") instanceof Map<?, ?> map) {
            map.forEach((k, v) -> env.put(String.valueOf(k), v == null ? "" : resolve(String.valueOf(v))));
        } else {
            for (String entry : strings(service.get("environment"))) {
                int eq = entry.indexOf('=');
                env.put(eq < 0 ? entry : entry.substring(0, eq), eq < 0 ? "" : resolve(entry.substring(eq + 1)));
            }
        }
        return env;
    }

    /** Compose's interpolation as if .env were empty: ${V:-default} is the default, ${V:?error} a stand-in. */
    private static String resolve(String value) {
        Matcher m = INTERPOLATION.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group(1) == null) replacement = "$";
            else if (m.group(2) == null) replacement = "";
            else replacement = m.group(2).endsWith("?") ? REQUIRED_VALUE : m.group(3);
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        return m.appendTail(out).toString();
    }

    private static Set<String> interpolated(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = INTERPOLATION.matcher(text);
        while (m.find()) if (m.group(1) != null) names.add(m.group(1));
        return names;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> services(String text) {
        Map<String, Object> compose = new Yaml().load(text);
        return (Map<String, Map<String, Object>>) compose.get("services");
    }

    private static List<String> strings(Object value) {
        if (value == null) return List.of();
        if (value instanceof List<?> list) return list.stream().map(String::valueOf).toList();
        return List.of(String.valueOf(value));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file.toAbsolutePath() + " (run from the app module or the root)", e);
        }
    }
}
