package io.sipstream.platform.config;

/** A setting that is missing or has a value the service cannot use; the message names the key. */
public final class ConfigException extends RuntimeException {
    private final String key;
    private final String problem;

    public ConfigException(String key, String problem) {
        super("setting '" + key + "': " + problem);
        this.key = key;
        this.problem = problem;
    }

    /** The setting, e.g. {@code http.port}: a launcher names its own flag for it. */
    public String key() { return key; }

    /** What is wrong with it, without the key. */
    public String problem() { return problem; }
}
