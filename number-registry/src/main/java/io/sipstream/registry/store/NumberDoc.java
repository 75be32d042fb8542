package io.sipstream.registry.store;

import java.time.Instant;

/**
 * A number's owner as published on registry.numbers (Redis itself keeps only
 * {@code number:<e164>} = account id). {@code version} is the owning account's version at assignment.
 */
public record NumberDoc(String number, String accountId, String region, long version, Instant updatedAt) {}
