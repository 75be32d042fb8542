package io.sipstream.registry.importer;

import io.sipstream.platform.http.ApiException;
import io.sipstream.platform.http.Json;
import io.sipstream.platform.progress.JobProgress;
import io.sipstream.platform.redis.RedisSettings;
import io.sipstream.registry.accounts.AccountService;
import io.sipstream.registry.numbers.NumberService;
import io.sipstream.registry.rest.IfMatch;
import io.sipstream.registry.rest.Ids;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.util.JedisCommandIterationBase;

/**
 * Imports users and their numbers from another backend's Redis keyspace (e.g. {@code catapult_jid-<user>}
 * = number): each valid record becomes an account with that number as its only number and default
 * caller ID, written through the registry's own services, so it is validated and published like a
 * REST write. Records with a bad number, a number already taken or listed twice, or an account that
 * exists already are skipped and reported; a dry run reports the same without writing.
 */
public final class RedisImporter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisImporter.class);

    private final AccountService accounts;
    private final NumberService numbers;
    private final AutoCloseable resources;

    /** An importer writing through these services; {@code resources} (may be null) are closed with it. */
    public RedisImporter(AccountService accounts, NumberService numbers, AutoCloseable resources) {
        this.accounts = accounts;
        this.numbers = numbers;
        this.resources = resources;
    }

    @Override
    public void close() {
        if (resources == null) return;
        try {
            resources.close();
        } catch (Exception e) {
            log.warn("closing the importer: {}", e.toString());
        }
    }

    public Report run(ImportOptions options) {
        return run(options, new JobProgress());
    }

    /** Runs the import, counting in {@code progress} the keys found (the total), read, written and skipped. */
    public Report run(ImportOptions options, JobProgress progress) {
        try (UnifiedJedis source = new RedisSettings(options.sourceRedisUrl(), null, "", 2, Duration.ofSeconds(5)).connect()) {
            return run(source, options, progress);
        }
    }

    private Report run(UnifiedJedis source, ImportOptions options, JobProgress progress) {
        progress.stage("scanning");
        TreeSet<String> sorted = new TreeSet<>(); // SCAN may repeat keys and has no order
        JedisCommandIterationBase<?, String> scan = source.scanIteration(1000, options.keyPattern());
        while (!scan.isIterationCompleted()) {
            sorted.addAll(scan.nextBatchList());
            progress.total(sorted.size());
        }
        progress.stage(options.dryRun() ? "checking (dry run)" : "checking");
        Pattern regex = Pattern.compile(options.keyRegex());
        List<Report.Created> planned = new ArrayList<>();
        List<Report.Skipped> skipped = new ArrayList<>();
        Map<String, String> numberSeenIn = new HashMap<>();
        Map<String, String> accountSeenIn = new HashMap<>();
        long read = 0;
        for (String key : sorted) {
            progress.update(read++, 0, skipped.size());
            Matcher m = regex.matcher(key);
            if (!m.matches() || m.group(1) == null || m.group(1).isEmpty()) {
                skipped.add(new Report.Skipped(key, "key does not match '" + options.keyRegex() + "' with a user id in group 1"));
                continue;
            }
            String user = m.group(1);
            String accountId = options.accountIdTemplate().replace(ImportOptions.USER, user);
            if (!Ids.valid(accountId)) {
                skipped.add(new Report.Skipped(key, "account id '" + Ids.abbreviate(accountId) + "' is not valid (1 to 64 of A-Z a-z 0-9 . _ -)"));
                continue;
            }
            String value;
            try {
                value = source.get(key);
            } catch (JedisDataException e) {
                skipped.add(new Report.Skipped(key, "value is not a string: " + e.getMessage()));
                continue;
            }
            if (value == null) {
                skipped.add(new Report.Skipped(key, "key vanished during the import"));
                continue;
            }
            String e164;
            try {
                e164 = numbers.parse(value, options.region()).e164();
            } catch (ApiException e) {
                skipped.add(new Report.Skipped(key, "bad number: " + e.getMessage()));
                continue;
            }
            if (numberSeenIn.containsKey(e164)) {
                skipped.add(new Report.Skipped(key, "duplicate number " + e164 + " (also in " + numberSeenIn.get(e164) + ")"));
                continue;
            }
            if (accountSeenIn.containsKey(accountId)) {
                skipped.add(new Report.Skipped(key, "duplicate account " + accountId + " (also from " + accountSeenIn.get(accountId) + ")"));
                continue;
            }
            numberSeenIn.put(e164, key);
            accountSeenIn.put(accountId, key);
            if (accounts.exists(accountId)) {
                skipped.add(new Report.Skipped(key, "account " + accountId + " already exists"));
                continue;
            }
            if (numberTaken(e164)) {
                skipped.add(new Report.Skipped(key, "number " + e164 + " is already taken"));
                continue;
            }
            planned.add(new Report.Created(key, accountId, e164));
        }
        progress.update(read, 0, skipped.size());
        if (options.dryRun()) return new Report(true, sorted.size(), planned, skipped);

        progress.stage("writing");
        List<Report.Created> created = new ArrayList<>();
        for (Report.Created c : planned) {
            progress.update(read, created.size(), skipped.size());
            Matcher m = regex.matcher(c.key());
            m.matches();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("displayName", m.group(1));
            if (options.region() != null) body.put("region", options.region());
            body.put("defaultCallerId", c.number());
            try {
                accounts.put(c.accountId(), Json.MAPPER.writeValueAsString(body), IfMatch.ABSENT);
            } catch (ApiException e) {
                skipped.add(new Report.Skipped(c.key(), e.status() == 412 ? "account " + c.accountId() + " already exists" : e.getMessage()));
                continue;
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            try {
                numbers.assign(c.accountId(), c.number(), IfMatch.NONE);
                created.add(c);
            } catch (ApiException e) {
                // taken meanwhile: do not leave an account without its number behind
                skipped.add(new Report.Skipped(c.key(), "number " + c.number() + ": " + e.getMessage()));
                accounts.delete(c.accountId(), IfMatch.NONE);
            }
        }
        progress.update(read, created.size(), skipped.size());
        Report report = new Report(false, sorted.size(), created, skipped);
        log.info("import from {}: {} key(s), {} created, {} skipped", options.keyPattern(), report.scanned(),
                created.size(), skipped.size());
        return report;
    }

    private boolean numberTaken(String e164) {
        try {
            numbers.lookup(e164);
            return true;
        } catch (ApiException e) {
            if (e.status() == 404) return false;
            throw e;
        }
    }
}
