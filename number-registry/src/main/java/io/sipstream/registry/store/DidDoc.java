package io.sipstream.registry.store;

import java.time.Instant;

/** A DID binding as kept under {@code did:<e164>}: the trunk the number's calls arrive on. */
public record DidDoc(String number, String trunk, long version, Instant updatedAt) {}
