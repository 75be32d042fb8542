package io.sipstream.platform.http;

/**
 * A request the API refuses, with the HTTP status and the reason an operator needs: the field and
 * what is wrong with its value. The admin server turns it into {"error": ..., "field": ...}.
 */
public class ApiException extends RuntimeException {
    private final int status;
    private final String field;

    public ApiException(int status, String field, String message) {
        super(message);
        this.status = status;
        this.field = field;
    }

    public int status() { return status; }

    public String field() { return field; }

    public static ApiException badRequest(String field, String message) { return new ApiException(400, field, message); }

    public static ApiException notFound(String what) { return new ApiException(404, null, what + " not found"); }

    public static ApiException conflict(String field, String message) { return new ApiException(409, field, message); }

    public static ApiException preconditionFailed(String message) { return new ApiException(412, "If-Match", message); }

    public static ApiException unprocessable(String field, String message) { return new ApiException(422, field, message); }

    public static ApiException unavailable(String message) { return new ApiException(503, null, message); }
}
