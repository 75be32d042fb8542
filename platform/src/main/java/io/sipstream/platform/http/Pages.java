package io.sipstream.platform.http;

import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Cursor pagination of the list endpoints: {@code ?limit=} and {@code ?cursor=} in, {@code {"items": [...],
 * "next": <cursor or null>}} out. A cursor is the position of the last item a page returned, opaque to the
 * client (base64url), so the next page starts after it however the list changed in between: no item is
 * returned twice, none that stayed is skipped, as an offset would.
 */
public final class Pages {
    /** A cursor longer than this is not one of ours. */
    private static final int MAX_CURSOR = 2048;

    /** {@code ?limit=}: {@code fallback} when absent, else a whole number in 1..{@code max} (400 otherwise). */
    public static int limit(Context ctx, int fallback, int max) {
        String raw = ctx.queryParam("limit");
        if (raw == null || raw.isBlank()) return fallback;
        int value;
        try {
            value = Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            value = -1;
        }
        if (value < 1 || value > max) throw ApiException.badRequest("limit", "'" + abbreviate(raw) + "' is not a whole number from 1 to " + max);
        return value;
    }

    /** {@code ?cursor=} as the position it encodes; null when absent (the first page). */
    public static String cursor(Context ctx) {
        String raw = ctx.queryParam("cursor");
        if (raw == null || raw.isBlank()) return null;
        String position = null;
        try {
            if (raw.length() <= MAX_CURSOR) position = new String(Base64.getUrlDecoder().decode(raw.trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            // not base64: refused below
        }
        if (position == null || position.isEmpty() || position.chars().anyMatch(Character::isISOControl)) throw notACursor(raw);
        return position;
    }

    /** The 400 for a cursor this list did not give. */
    public static ApiException notACursor(String raw) {
        return ApiException.badRequest("cursor", "'" + abbreviate(raw) + "' is not a cursor of this list: "
                + "pass the previous page's next as it was, or leave cursor out for the first page");
    }

    /** The cursor a client passes back for a page that ends at {@code position}. */
    public static String encode(String position) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(position.getBytes(StandardCharsets.UTF_8));
    }

    /** The body of a page: its items, and the cursor of the next page (null: this is the last). */
    public static Map<String, Object> page(List<?> items, String nextPosition) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", items);
        body.put("next", nextPosition == null ? null : encode(nextPosition));
        return body;
    }

    /** Whether the client asked for CSV ({@code Accept: text/csv}) rather than JSON. */
    public static boolean wantsCsv(Context ctx) {
        String accept = ctx.header("Accept");
        return accept != null && accept.toLowerCase(Locale.ROOT).contains("text/csv");
    }

    private static String abbreviate(String s) { return s.length() <= 40 ? s : s.substring(0, 40) + "..."; }

    private Pages() {}
}
