package io.sipstream.platform.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.javalin.http.HttpStatus;
import io.javalin.openapi.OpenApiDescription;
import io.javalin.openapi.OpenApiNullable;

/**
 * An error answer of every admin server: RFC 9457 problem details ({@code type}, {@code title},
 * {@code status}, {@code detail}) as {@value #CONTENT_TYPE}. The members clients read before
 * problem details, {@code error} (the reason, as {@code detail}) and {@code field}, stay, and come
 * first, so a client of the old shape reads the same members. A record, so that /v1/openapi.json
 * describes the body that is sent.
 */
@OpenApiDescription("RFC 9457 problem details; error (= detail) and field are kept for older clients")
public record Problem(
        @OpenApiDescription("the reason, as detail") String error,
        @JsonInclude(JsonInclude.Include.NON_NULL) @OpenApiNullable
        @OpenApiDescription("the field, header or parameter the error is about, when it is about one") String field,
        int status,
        @OpenApiDescription("always about:blank: the status says what kind of problem it is") String type,
        String title,
        String detail) {
    public static final String CONTENT_TYPE = "application/problem+json";
    /** No problem type of our own: RFC 9457 then makes {@code title} the status' phrase. */
    public static final String TYPE = "about:blank";

    /** The body of an error with its status, the field it is about (or null) and the reason. */
    public static Problem of(int status, String field, String detail) {
        return new Problem(detail, field, status, TYPE, title(status), detail);
    }

    static String title(int status) {
        HttpStatus known = HttpStatus.forStatus(status);
        return known == HttpStatus.UNKNOWN ? "HTTP " + status : known.getMessage();
    }
}
