package io.sipstream.registry.importer;

import java.util.List;

/**
 * The outcome of an import: every record created (or, in a dry run, that would be) and every record
 * skipped with its reason.
 */
public record Report(boolean dryRun, int scanned, List<Created> created, List<Skipped> skipped) {

    /** An account created with its number (from the source key). */
    public record Created(String key, String accountId, String number) {}

    /** A source key left out, and why. */
    public record Skipped(String key, String reason) {}

    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(dryRun ? "dry run: " : "").append(scanned).append(" key(s) scanned, ")
                .append(created.size()).append(dryRun ? " account(s) would be created, " : " account(s) created, ")
                .append(skipped.size()).append(" skipped\n");
        for (Created c : created) sb.append("  + ").append(c.accountId()).append(' ').append(c.number()).append("  (").append(c.key()).append(")\n");
        for (Skipped s : skipped) sb.append("  - ").append(s.key()).append(": ").append(s.reason()).append('\n');
        return sb.toString();
    }
}
