package io.sipstream.registry.rest;

import io.javalin.http.Context;
import io.sipstream.platform.http.ApiException;
import java.util.ArrayList;
import java.util.List;

/**
 * The optional preconditions of a write: {@code If-Match} with the versions (ETags) the client last
 * saw, or {@code If-None-Match: *} for create-only. Without either the write applies; with one, a
 * write to a record at any other version (or to no record, or to an existing one) gets 412.
 */
public record IfMatch(boolean present, boolean any, List<String> tags, boolean mustNotExist) {
    public static final IfMatch NONE = new IfMatch(false, false, List.of(), false);
    /** Create only: refuse when the record exists. */
    public static final IfMatch ABSENT = new IfMatch(false, false, List.of(), true);

    public static IfMatch of(Context ctx) {
        IfMatch ifMatch = parse(ctx.header("If-Match"));
        String noneMatch = ctx.header("If-None-Match");
        if (noneMatch != null && noneMatch.trim().equals("*")) {
            return new IfMatch(ifMatch.present, ifMatch.any, ifMatch.tags, true);
        }
        return ifMatch;
    }

    public static IfMatch parse(String header) {
        if (header == null || header.isBlank()) return NONE;
        List<String> tags = new ArrayList<>();
        boolean any = false;
        for (String part : header.split(",")) {
            String tag = part.trim();
            if (tag.equals("*")) any = true;
            if (tag.startsWith("W/")) tag = tag.substring(2);
            if (tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")) tag = tag.substring(1, tag.length() - 1);
            if (!tag.isEmpty() && !tag.equals("*")) tags.add(tag);
        }
        return new IfMatch(true, any, List.copyOf(tags), false);
    }

    /** Throws 412 unless the record's current version (null: no record) satisfies the preconditions. */
    public void check(Long currentVersion) {
        if (mustNotExist && currentVersion != null) {
            throw new ApiException(412, "If-None-Match", "the record exists already (at version \"" + currentVersion + "\")");
        }
        if (!present) return;
        if (currentVersion == null) throw ApiException.preconditionFailed("If-Match given but the record does not exist");
        if (any) return;
        if (!tags.contains(Long.toString(currentVersion))) {
            throw ApiException.preconditionFailed("the record is at version \"" + currentVersion
                    + "\", not " + String.join(", ", tags.stream().map(t -> "\"" + t + "\"").toList())
                    + ": read it again and retry");
        }
    }

    public static String etag(long version) { return "\"" + version + "\""; }
}
