package io.sipstream.registry.rest;

import io.sipstream.platform.http.ApiException;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code media} field of trunks and accounts: passthrough, anchor or auto (sip-edge's MediaMode reads it; the
 * registry does not depend on the edge).
 */
public final class MediaModes {
    private static final Set<String> MODES = Set.of("passthrough", "anchor", "auto");

    /** The mode given, lower-cased; null when none was given; 422 naming the field for anything else. */
    public static String read(String given) {
        if (given == null) return null;
        String mode = given.trim().toLowerCase(Locale.ROOT);
        if (!MODES.contains(mode)) throw ApiException.unprocessable("media", "'" + Ids.abbreviate(given) + "' is not passthrough, anchor or auto");
        return mode;
    }

    private MediaModes() {}
}
