package io.sipstream.platform.config;

/** A setting that is missing or has a value the service cannot use; the message names the key. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String key, String problem) {
        super("setting '" + key + "': " + problem);
    }
}
