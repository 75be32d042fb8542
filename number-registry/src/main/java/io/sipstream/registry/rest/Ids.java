package io.sipstream.registry.rest;

import io.sipstream.platform.http.ApiException;
import java.util.regex.Pattern;

/** Account, trunk, rate deck ids: 1 to 64 of A-Z a-z 0-9 . _ - */
public final class Ids {
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public static boolean valid(String id) { return id != null && ID.matcher(id).matches() && !id.equals(".") && !id.equals(".."); }

    /** A bad id in the path is a malformed request (400). */
    public static String path(String id, String field) {
        if (!valid(id)) throw ApiException.badRequest(field, "'" + abbreviate(id) + "' is not a valid id (1 to 64 of A-Z a-z 0-9 . _ -)");
        return id;
    }

    /** A bad id inside a body refers to nothing that can exist (422). */
    public static String ref(String id, String field) {
        if (id == null) return null;
        if (!valid(id)) throw ApiException.unprocessable(field, "'" + abbreviate(id) + "' is not a valid id (1 to 64 of A-Z a-z 0-9 . _ -)");
        return id;
    }

    public static String abbreviate(String s) {
        if (s == null) return "";
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    private Ids() {}
}
