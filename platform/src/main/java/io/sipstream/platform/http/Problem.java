package io.sipstream.platform.http;

import io.javalin.http.HttpStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An error answer of every admin server: RFC 9457 problem details ({@code type}, {@code title},
 * {@code status}, {@code detail}) as {@value #CONTENT_TYPE}. The members clients read before
 * problem details, {@code error} (the reason, as {@code detail}) and {@code field}, stay, and come
 * first, so a client of the old shape reads the same members.
 */
public final class Problem {
    public static final String CONTENT_TYPE = "application/problem+json";
    /** No problem type of our own: RFC 9457 then makes {@code title} the status' phrase. */
    public static final String TYPE = "about:blank";

    /** The body of an error with its status, the field it is about (or null) and the reason. */
    public static Map<String, Object> body(int status, String field, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", detail);
        if (field != null) body.put("field", field);
        body.put("status", status);
        body.put("type", TYPE);
        body.put("title", title(status));
        body.put("detail", detail);
        return body;
    }

    static String title(int status) {
        HttpStatus known = HttpStatus.forStatus(status);
        return known == HttpStatus.UNKNOWN ? "HTTP " + status : known.getMessage();
    }

    private Problem() {}
}
