package io.sipstream.registry.store;

/** A record after a write, whether the write created it (201) or replaced it (200), and the version for the ETag. */
public record Written<T>(T doc, boolean created, long version) {}
