package io.sipstream.registry.importer;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What to import from another Redis: keys matching {@code keyPattern} (a SCAN glob such as
 * {@code catapult_jid-*}), {@code keyRegex} with one group that extracts the user id from the whole
 * key, the string value of each key being the user's number; each user becomes the account
 * {@code accountIdTemplate} with "{user}" replaced (default "{user}"). National numbers are read in
 * {@code region} (null: the registry's default). {@code dryRun} reports without writing.
 *
 * @param sourceRedisUrl a redis:// or rediss:// URL (password in the URL if needed)
 */
public record ImportOptions(String sourceRedisUrl, String keyPattern, String keyRegex, String accountIdTemplate,
                            String region, boolean dryRun) {
    public static final String USER = "{user}";

    public ImportOptions {
        if (sourceRedisUrl == null || sourceRedisUrl.isBlank()) throw new IllegalArgumentException("source Redis URL is required");
        if (keyPattern == null || keyPattern.isBlank()) throw new IllegalArgumentException("key pattern is required (e.g. catapult_jid-*)");
        if (keyRegex == null || keyRegex.isBlank()) throw new IllegalArgumentException("key regex is required (e.g. catapult_jid-(.+))");
        try {
            if (Pattern.compile(keyRegex).matcher("").groupCount() < 1) {
                throw new IllegalArgumentException("key regex '" + keyRegex + "' needs one group that captures the user id");
            }
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("key regex '" + keyRegex + "' does not compile: " + e.getDescription());
        }
        if (accountIdTemplate == null || accountIdTemplate.isBlank()) accountIdTemplate = USER;
        if (!accountIdTemplate.contains(USER)) {
            throw new IllegalArgumentException("account id template '" + accountIdTemplate + "' must contain " + USER);
        }
    }
}
