package io.sipstream.billing.inputs;

/**
 * A record billing cannot use: the processing exception handler writes it to dead.letters with
 * this message and billing goes on with the next record.
 */
public final class BadRecordException extends RuntimeException {
    public BadRecordException(String message) { super(message); }
}
