package io.sipstream.schemas.registry;

/**
 * An error answered by a Schema Registry, carrying Confluent's error code so callers can tell
 * "not there" from "refused" from "registry broken". The subclasses name the codes callers act on.
 */
public class SchemaRegistryException extends RuntimeException {
    // Confluent's documented error codes (https://docs.confluent.io/platform/current/schema-registry/develop/api.html)
    public static final int SUBJECT_NOT_FOUND = 40401;
    public static final int VERSION_NOT_FOUND = 40402;
    public static final int SCHEMA_NOT_FOUND = 40403;
    public static final int SUBJECT_SOFT_DELETED = 40404;
    public static final int INCOMPATIBLE_SCHEMA = 409;
    public static final int INVALID_SCHEMA = 42201;
    public static final int INVALID_VERSION = 42202;
    public static final int INVALID_COMPATIBILITY_LEVEL = 42203;
    public static final int BACKEND_STORE_ERROR = 50001;
    public static final int OPERATION_TIMEOUT = 50002;
    public static final int FORWARDING_ERROR = 50003;

    private final int httpStatus;
    private final int errorCode;

    public SchemaRegistryException(int httpStatus, int errorCode, String message) {
        super(message + " (http " + httpStatus + ", error_code " + errorCode + ")");
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = 0;
        this.errorCode = 0;
    }

    public int httpStatus() { return httpStatus; }

    public int errorCode() { return errorCode; }

    /** True when retrying later may succeed (the registry or its store failed, not the request). */
    public boolean isRetriable() { return httpStatus == 0 || httpStatus >= 500; }

    /**
     * True when {@code failure} is, or was caused by, a registry failure that retrying may cure: a
     * serializer wraps it in Kafka's SerializationException, which alone does not tell a registry
     * outage from a record that can never be written.
     */
    public static boolean causedRetriably(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SchemaRegistryException e) return e.isRetriable();
        }
        return false;
    }

    /** Maps a registry error answer to the exception that names it. */
    public static SchemaRegistryException of(int httpStatus, int errorCode, String message) {
        return switch (errorCode) {
            case SUBJECT_NOT_FOUND, VERSION_NOT_FOUND, SCHEMA_NOT_FOUND, SUBJECT_SOFT_DELETED ->
                    new NotFound(httpStatus, errorCode, message);
            case INCOMPATIBLE_SCHEMA -> new IncompatibleSchema(httpStatus, errorCode, message);
            case INVALID_SCHEMA -> new InvalidSchema(httpStatus, errorCode, message);
            default -> httpStatus == 409 ? new IncompatibleSchema(httpStatus, errorCode, message)
                    : new SchemaRegistryException(httpStatus, errorCode, message);
        };
    }

    /** 40401 subject, 40402 version, 40403 schema id, 40404 soft-deleted subject. */
    public static final class NotFound extends SchemaRegistryException {
        public NotFound(int httpStatus, int errorCode, String message) { super(httpStatus, errorCode, message); }
    }

    /** 409: the schema breaks the subject's compatibility level. */
    public static final class IncompatibleSchema extends SchemaRegistryException {
        public IncompatibleSchema(int httpStatus, int errorCode, String message) { super(httpStatus, errorCode, message); }
    }

    /** 42201: the registry could not parse the schema. */
    public static final class InvalidSchema extends SchemaRegistryException {
        public InvalidSchema(int httpStatus, int errorCode, String message) { super(httpStatus, errorCode, message); }
    }
}
