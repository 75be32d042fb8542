package io.sipstream.registry.store;

/** A key changed between the read and the commit: the caller re-reads and tries again. */
public final class ConflictException extends RuntimeException {
    public ConflictException(String key) { super("concurrent change of " + key, null, false, false); }
}
