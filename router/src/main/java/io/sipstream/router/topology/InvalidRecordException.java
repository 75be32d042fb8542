package io.sipstream.router.topology;

/**
 * A record the router cannot act on (a tombstone, a missing field, a key that does not match its
 * value). Thrown from a processor so that the dead-letter handler keeps it with the reason and the
 * stream goes on; no stack trace, the reason says it all.
 */
public final class InvalidRecordException extends RuntimeException {
    public InvalidRecordException(String message) {
        super(message, null, false, false);
    }
}
