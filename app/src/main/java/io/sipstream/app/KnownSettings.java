package io.sipstream.app;

import io.sipstream.billing.BillingConfig;
import io.sipstream.edge.EdgeConfig;
import io.sipstream.platform.ServiceContext;
import io.sipstream.platform.StandaloneMain;
import io.sipstream.platform.config.ConfigException;
import io.sipstream.platform.config.Settings;
import io.sipstream.platform.kafka.KafkaSettings;
import io.sipstream.registry.RegistryConfig;
import io.sipstream.router.RouterConfig;
import io.sipstream.web.portal.PortalConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.commons.text.similarity.LevenshteinDistance;

/**
 * The settings sipstream reads, known by reading: every reader of settings (the admin server, each service's
 * config) is run over a {@link Settings} that counts what it asks for, so the list is the code's own and cannot
 * drift from it. A command reads the settings it was given with its readers before it starts anything: a bad
 * value stops it there with the reader's {@code ConfigException}, and a key that no reader of sipstream asks for
 * (misspelt, or an old name) with the nearest known key. A key that another service reads, but not this one, is
 * only worth a warning: one environment file often serves several services.
 */
final class KnownSettings {
    /** SIPSTREAM_* variables that are not settings: bin/sipstream's and logback.xml's. */
    static final Set<String> LAUNCHER_VARIABLES = Set.of("SIPSTREAM_JAVA_OPTS", "SIPSTREAM_JAR", "SIPSTREAM_LOG_LEVEL",
            "SIPSTREAM_LOG_FORMAT", "SIPSTREAM_SIP_TRACE");

    /**
     * docker-compose's .env names of two settings, which docker-compose.yml hands on under the settings' names:
     * exported in a shell, they are not refused, only said to be unused.
     */
    static final Map<String, String> COMPOSE_VARIABLES = Map.of("SIPSTREAM_DOMAIN", "SIPSTREAM_SIP_DOMAIN",
            "SIPSTREAM_PUBLIC_HOST", "SIPSTREAM_SIP_ADVERTISED_HOST");

    /** What reads settings in a process: the admin server every process has, and each service. */
    enum Reader {
        ADMIN_SERVER("the admin server", ServiceContext::create),
        REGISTRY("registry", RegistryConfig::from),
        ROUTER("router", RouterConfig::from),
        BILLING("billing", BillingConfig::from),
        EDGE("edge", EdgeConfig::from),
        PORTAL("the self-service portal", PortalConfig::from),
        KAFKA("Kafka clients", KafkaSettings::from);

        final String label;
        private final Function<Settings, ?> read;

        Reader(String label, Function<Settings, ?> read) {
            this.label = label;
            this.read = read;
        }
    }

    /** Where the operator gave the settings, to name a key the way it was given: a flag, a variable, a file. */
    record Sources(Map<String, String> flags, Map<String, String> env, Path file) {
        static Sources environment(Map<String, String> env) { return new Sources(Map.of(), env, null); }

        String given(String key) {
            if (flags.containsKey(key)) return "--" + key;
            for (String name : env.keySet()) if (key.equals(Settings.keyOfVariable(name))) return name;
            return file == null ? key : key + " (in " + file + ")";
        }

        /** A known key spelt the way the unknown one was given. */
        String spelt(String unknown, String known) {
            if (flags.containsKey(unknown)) return "--" + known;
            if (given(unknown).startsWith("SIPSTREAM_")) {
                String variable = Settings.variableOf(known);
                return variable != null ? variable : "--" + known + "=... (no variable can set it)";
            }
            return known;
        }
    }

    /** Values that every reader accepts: what is read then is every key there is. */
    private static final Map<String, String> COMPLETE = Map.of("kafka.bootstrap", "127.0.0.1:9092",
            "schema.registry.url", "http://127.0.0.1:8081", "redis.url", "redis://127.0.0.1:6379",
            "api.key", "known-settings-of-sipstream");
    private static volatile Known all;

    /** The keys and prefixes ({@code kafka.client.}) some readers ask for. */
    record Known(Set<String> keys, Set<String> prefixes) {
        boolean knows(String key) {
            return keys.contains(key) || prefixes.stream().anyMatch(key::startsWith);
        }

        /** The known key nearest to a misspelt one, or null when none is near. */
        String nearest(String key) {
            LevenshteinDistance distance = new LevenshteinDistance(Math.max(2, key.length() / 4));
            List<String> candidates = new ArrayList<>(keys);
            // under a prefix: the prefix with the rest of the key, so kafka.clinet.x is near kafka.client.x
            for (String prefix : prefixes) candidates.add(prefix + key.substring(Math.min(prefix.length(), key.length())));
            String best = null;
            int bestDistance = Integer.MAX_VALUE;
            for (String candidate : new TreeSet<>(candidates)) {
                int d = distance.apply(key, candidate);
                if (d >= 0 && d < bestDistance) {
                    best = candidate;
                    bestDistance = d;
                }
            }
            return best;
        }
    }

    static Known of(Collection<Reader> readers) {
        Settings settings = Settings.of(COMPLETE);
        for (Reader reader : readers) reader.read.apply(settings);
        return new Known(settings.askedKeys(), settings.askedPrefixes());
    }

    /** Every key any part of sipstream reads. */
    static Known all() {
        if (all == null) all = of(EnumSet.allOf(Reader.class));
        return all;
    }

    /**
     * Reads the settings with these readers, as the command will when it starts: keys no reader of sipstream knows
     * throw a {@link UsageException} naming each as it was given, with the nearest known key; else a bad value
     * throws the reader's {@code ConfigException}. Returns warnings: keys given that only other services read.
     */
    static List<String> check(Settings settings, Collection<Reader> readers, Sources sources, String command) {
        RuntimeException badValue = null;
        for (Reader reader : readers) {
            try {
                reader.read.apply(settings);
            } catch (ConfigException e) {
                badValue = e;
                break;
            } catch (IllegalArgumentException e) { // a reader that checks without naming the setting
                badValue = new UsageException(reader.label + ": " + e.getMessage());
                break;
            }
        }
        List<String> unknown = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Known known = all();
        for (String key : settings.unread()) {
            String given = sources.given(key);
            if (known.knows(key)) {
                // with a bad value the readers stopped early: keys after it were not asked for yet
                if (badValue == null) warnings.add(given + " is not read by " + command + " (another service's setting): ignored");
                continue;
            }
            String nearest = known.nearest(key);
            unknown.add(given + (nearest == null ? "" : " (did you mean " + sources.spelt(key, nearest) + "?)"));
        }
        if (!unknown.isEmpty()) {
            throw new UsageException((unknown.size() == 1 ? "unknown setting " : "unknown settings: ") + String.join(", ", unknown)
                    + "; docs/configuration.md lists them");
        }
        // reported after unknown keys: a misspelt key often is why a required one is missing
        if (badValue != null) throw badValue;
        return warnings;
    }

    /**
     * The settings of a command that takes them as the services do ({@code --config FILE}, {@code --key=value},
     * SIPSTREAM_* variables), read and checked with its readers; warnings go to {@code err}.
     */
    static Settings read(String command, String[] args, Map<String, String> env, Collection<Reader> readers, PrintWriter err) {
        StandaloneMain.Arguments arguments;
        try {
            arguments = StandaloneMain.Arguments.of(args);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Map<String, String> variables = settingVariables(env);
        Settings settings = Settings.load(arguments.file(), variables, arguments.overrides());
        List<String> warnings = new ArrayList<>(composeVariables(env));
        warnings.addAll(check(settings, readers, new Sources(arguments.overrides(), variables, arguments.file()), command));
        for (String warning : warnings) err.println(command + ": warning: " + warning);
        err.flush();
        return settings;
    }

    /** The SIPSTREAM_* variables of an environment that are settings: all but the launcher's and docker-compose's own. */
    static Map<String, String> settingVariables(Map<String, String> env) {
        Map<String, String> out = new TreeMap<>();
        env.forEach((name, value) -> {
            if (name.startsWith("SIPSTREAM_") && !LAUNCHER_VARIABLES.contains(name) && !COMPOSE_VARIABLES.containsKey(name)) {
                out.put(name, value);
            }
        });
        return out;
    }

    /** A warning for each of docker-compose's .env variables in the environment: they set nothing here. */
    static List<String> composeVariables(Map<String, String> env) {
        List<String> out = new ArrayList<>();
        new TreeMap<>(COMPOSE_VARIABLES).forEach((name, setting) -> {
            if (env.containsKey(name)) out.add(name + " is docker-compose's .env name of " + setting + ": not used here");
        });
        return out;
    }

    private KnownSettings() {}
}
