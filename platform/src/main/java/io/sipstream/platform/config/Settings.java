package io.sipstream.platform.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Raw settings of a process, read once at start-up and handed to each service's typed config
 * record, which validates them. Later sources win: a properties file, then environment variables
 * ({@code SIPSTREAM_KAFKA_BOOTSTRAP} is {@code kafka.bootstrap}), then explicit overrides
 * (command-line flags). Nothing here reads the environment behind a constructor's back: the
 * process main calls {@link #load} and passes the result down.
 */
public final class Settings {
    private static final String ENV_PREFIX = "SIPSTREAM_";
    private final Map<String, String> values;
    // what code has asked for, so that a setting nothing reads (misspelt, or given to the wrong service) can be found
    private final Set<String> askedKeys = ConcurrentHashMap.newKeySet();
    private final Set<String> askedPrefixes = ConcurrentHashMap.newKeySet();

    public Settings(Map<String, String> values) { this.values = Map.copyOf(values); }

    public static Settings of(Map<String, String> values) { return new Settings(values); }

    public static Settings load(Path propertiesFileOrNull, Map<String, String> env, Map<String, String> overrides) {
        Map<String, String> merged = new HashMap<>();
        if (propertiesFileOrNull != null) {
            Properties props = new Properties();
            try (Reader reader = Files.newBufferedReader(propertiesFileOrNull)) {
                props.load(reader);
            } catch (IOException e) {
                throw new ConfigException("config file", "cannot read " + propertiesFileOrNull + ": " + e.getMessage());
            }
            props.stringPropertyNames().forEach(k -> merged.put(k, props.getProperty(k).trim()));
        }
        env.forEach((k, v) -> {
            String key = keyOfVariable(k);
            if (key != null) merged.put(key, v);
        });
        merged.putAll(overrides);
        return new Settings(merged);
    }

    /** A copy with more values; the given ones win. */
    public Settings with(Map<String, String> more) {
        Map<String, String> merged = new LinkedHashMap<>(values);
        merged.putAll(more);
        return new Settings(merged);
    }

    /** Every value; what is read through this map is not counted by {@link #unread()}. */
    public Map<String, String> asMap() { return values; }

    /**
     * The keys given that no code has asked for so far, by name or under a prefix ({@link #under}):
     * after a service's config has been read, a misspelt setting or one the service does not use.
     */
    public Set<String> unread() {
        Set<String> out = new TreeSet<>();
        for (String key : values.keySet()) {
            if (!askedKeys.contains(key) && askedPrefixes.stream().noneMatch(key::startsWith)) out.add(key);
        }
        return out;
    }

    /** Every value under a prefix, with the prefix cut off: {@code kafka.producer.} for pass-through client configs. */
    public Map<String, String> under(String prefix) {
        askedPrefixes.add(prefix);
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> { if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v); });
        return out;
    }

    public boolean has(String key) {
        askedKeys.add(key);
        String v = values.get(key);
        return v != null && !v.isBlank();
    }

    public String string(String key, String fallback) {
        askedKeys.add(key);
        String v = values.get(key);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    public String required(String key) {
        String v = string(key, null);
        if (v == null) throw new ConfigException(key, "is required");
        return v;
    }

    public int integer(String key, int fallback, int min, int max) {
        String v = string(key, null);
        if (v == null) return fallback;
        try {
            int i = Integer.parseInt(v);
            if (i < min || i > max) throw new ConfigException(key, "value " + i + " is outside " + min + ".." + max);
            return i;
        } catch (NumberFormatException e) {
            throw new ConfigException(key, "'" + v + "' is not a whole number");
        }
    }

    public boolean bool(String key, boolean fallback) {
        String v = string(key, null);
        if (v == null) return fallback;
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new ConfigException(key, "'" + v + "' is not true or false");
        };
    }

    /** A duration as ISO-8601 (PT2S) or a number with a unit: 250ms, 2s, 5m, 1h. */
    public Duration duration(String key, Duration fallback) {
        String v = string(key, null);
        if (v == null) return fallback;
        try {
            if (v.startsWith("P") || v.startsWith("p")) return Duration.parse(v);
            String lower = v.toLowerCase(Locale.ROOT);
            if (lower.endsWith("ms")) return Duration.ofMillis(Long.parseLong(lower.substring(0, lower.length() - 2).trim()));
            long n = Long.parseLong(lower.substring(0, lower.length() - 1).trim());
            return switch (lower.charAt(lower.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> throw new NumberFormatException();
            };
        } catch (RuntimeException e) {
            throw new ConfigException(key, "'" + v + "' is not a duration (e.g. 250ms, 2s, 5m, PT2S)");
        }
    }

    public List<String> list(String key, List<String> fallback) {
        String v = string(key, null);
        if (v == null) return fallback;
        return Stream.of(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** The keys code has asked for so far, given or not: once every reader of a process has run, the settings it has. */
    public Set<String> askedKeys() { return new TreeSet<>(askedKeys); }

    /** The prefixes code has taken every key under so far ({@link #under}): {@code kafka.client.} ... */
    public Set<String> askedPrefixes() { return new TreeSet<>(askedPrefixes); }

    /** The setting an environment variable sets ({@code SIPSTREAM_KAFKA_BOOTSTRAP}: {@code kafka.bootstrap}), or null. */
    public static String keyOfVariable(String name) {
        return name.startsWith(ENV_PREFIX) ? name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.') : null;
    }

    /**
     * The environment variable that sets a key ({@code kafka.bootstrap}: {@code SIPSTREAM_KAFKA_BOOTSTRAP}), or null
     * for a key no variable can set: one with a character other than letters, digits and dots.
     */
    public static String variableOf(String key) {
        return key.matches("[a-z0-9]+(\\.[a-z0-9]+)*") ? ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_') : null;
    }
}
