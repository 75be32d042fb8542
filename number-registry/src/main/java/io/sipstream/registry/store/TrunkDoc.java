package io.sipstream.registry.store;

import java.time.Instant;
import java.util.List;

/**
 * A trunk as kept in Redis under {@code trunk:<id>} (JSON) and shown by the API. The digest
 * password lives apart, sealed, in {@code trunkcred:<id>}; this record says only whether there is one.
 * {@code allowAnySource} is false in documents written before it existed.
 * {@code optionsInterval}: seconds between the edges' OPTIONS probes, 0 none. {@code destinations}: what
 * the trunk carries (empty: everything); {@code rateDeckId}: the carrier's rate deck, for least-cost routes.
 * {@code diversionHeader}: how a call forwarded over the trunk says whose number it was for (diversion,
 * history-info or both); diversion in documents written before it existed.
 * {@code media}: passthrough, anchor or auto (whether the edge anchors its calls' media); passthrough in documents
 * written before it existed.
 */
public record TrunkDoc(String id, String host, int port, String transport, boolean enabled, List<String> allowedCidrs,
                       boolean allowAnySource, String callerIdFormat, String techPrefix, int maxChannels, boolean allowRefer,
                       boolean allowRedirect, List<Integer> finalCodes, boolean register, String username,
                       String realm, boolean hasCredentials, long version, Instant updatedAt, Integer optionsInterval,
                       List<Destination> destinations, String rateDeckId, String diversionHeader, String media) {
    /** The edges' OPTIONS probe interval of a trunk stored before the field existed, or given none. */
    public static final int DEFAULT_OPTIONS_INTERVAL = 30;
    /** What RFC 5806 carriers and voicemail systems have read for longest. */
    public static final String DEFAULT_DIVERSION_HEADER = "diversion";

    /** The media mode of a trunk stored before the field existed, or given none: media passes end to end. */
    public static final String DEFAULT_MEDIA = "passthrough";

    public TrunkDoc {
        media = media == null ? DEFAULT_MEDIA : media;
        optionsInterval = optionsInterval == null ? DEFAULT_OPTIONS_INTERVAL : optionsInterval;
        diversionHeader = diversionHeader == null ? DEFAULT_DIVERSION_HEADER : diversionHeader;
        destinations = destinations == null ? List.of() : List.copyOf(destinations);
        allowedCidrs = allowedCidrs == null ? List.of() : List.copyOf(allowedCidrs);
        finalCodes = finalCodes == null ? List.of() : List.copyOf(finalCodes);
    }
}
