package io.sipstream.billing.rating;

import io.sipstream.avro.Rate;
import io.sipstream.platform.StandaloneMain;
import io.sipstream.platform.kafka.KafkaSettings;
import io.sipstream.platform.progress.JobProgress;
import io.sipstream.rating.RateKeys;
import io.sipstream.schemas.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a rate deck into billing.rates, replacing the deck: new and changed rows are written,
 * rows no longer present get tombstones, all in one transaction so that rating never sees half a
 * deck. Used by {@code PUT /v1/ratedecks/{id}} and, from a CSV file, by the command line
 * ({@link #load(String, Path)}; {@link #main} for a standalone run).
 */
public final class RateDeckLoader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RateDeckLoader.class);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    /** What a load did. {@code etag} identifies the deck's rows now. */
    public record Result(String deckId, int rows, int written, int removed, String etag,
                         Map<String, Rate> deck, List<String> removedKeys) {}

    /** An If-Match that no longer names the deck's current rows. */
    public static final class StaleDeckException extends RuntimeException {
        public StaleDeckException(String message) { super(message); }
    }

    private final KafkaSettings kafka;
    private final String clientId;
    private KafkaProducer<String, Rate> producer;

    public RateDeckLoader(KafkaSettings kafka, String clientId) {
        this.kafka = kafka;
        this.clientId = clientId;
    }

    /** Reads a CSV file (see {@link RateDeckCsv}) and replaces the deck with it. */
    public Result load(String deckId, Path csvFile) throws IOException {
        return load(deckId, csvFile, new JobProgress());
    }

    /**
     * {@link #load(String, Path)}, counting in {@code progress} the file's rows (read), the records sent (written)
     * and the rows the deck holds already as they are (skipped).
     */
    public Result load(String deckId, Path csvFile, JobProgress progress) throws IOException {
        progress.stage("reading " + csvFile.getFileName());
        List<Rate> rows = RateDeckCsv.parse(deckId, Files.readString(csvFile, StandardCharsets.UTF_8));
        progress.total(rows.size());
        progress.update(rows.size(), 0, 0);
        return replace(deckId, rows, null, progress);
    }

    /**
     * Replaces a deck with these rows.
     *
     * @param ifMatch the ETag the caller last saw, "*" for any existing deck, or null to apply anyway
     */
    public Result replace(String deckId, List<Rate> rows, String ifMatch) {
        return replace(deckId, rows, ifMatch, new JobProgress());
    }

    private synchronized Result replace(String deckId, List<Rate> rows, String ifMatch, JobProgress progress) {
        progress.stage("reading deck " + deckId + " from " + Topics.BILLING_RATES.name());
        Map<String, Rate> current = current(deckId);
        String currentTag = etag(current.values());
        if (ifMatch != null && !ifMatch.isBlank()) {
            boolean matches = ifMatch.trim().equals("*") ? !current.isEmpty()
                    : Arrays.stream(ifMatch.split(",")).map(String::trim).anyMatch(currentTag::equals);
            if (!matches) {
                throw new StaleDeckException("deck '" + deckId + "' has changed: its ETag is " + currentTag + ", not " + ifMatch);
            }
        }
        Map<String, Rate> next = new TreeMap<>();
        for (Rate rate : rows) {
            if (!rate.getDeckId().equals(deckId)) {
                throw new IllegalArgumentException("row " + rate.getPrefix() + " is of deck " + rate.getDeckId() + ", not " + deckId);
            }
            next.put(RateKeys.key(deckId, rate.getPrefix()), rate);
        }
        List<ProducerRecord<String, Rate>> records = new ArrayList<>();
        next.forEach((key, rate) -> {
            if (!rate.equals(current.get(key))) records.add(new ProducerRecord<>(Topics.BILLING_RATES.name(), key, rate));
        });
        List<String> removedKeys = new ArrayList<>();
        for (String key : current.keySet()) {
            if (!next.containsKey(key)) {
                records.add(new ProducerRecord<>(Topics.BILLING_RATES.name(), key, null));
                removedKeys.add(key);
            }
        }
        int removed = removedKeys.size();
        progress.stage("writing");
        long unchanged = next.size() - (records.size() - removed);
        progress.update(rows.size(), 0, unchanged);
        if (!records.isEmpty()) send(records, sent -> progress.update(rows.size(), sent, unchanged));
        log.info("rate deck {}: {} rows, {} written, {} removed", deckId, next.size(), records.size() - removed, removed);
        return new Result(deckId, next.size(), records.size() - removed, removed, etag(next.values()), next, removedKeys);
    }

    /** The deck's rows as billing.rates holds them now, by {@code deckId:prefix}. */
    public synchronized Map<String, Rate> current(String deckId) {
        Map<String, Rate> rows = new TreeMap<>();
        Map<String, Object> props = kafka.common();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-ratedeck-reader");
        try (KafkaConsumer<String, Rate> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                Topics.BILLING_RATES.valueSerde(kafka.serdes()).deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.BILLING_RATES.name(), READ_TIMEOUT).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, READ_TIMEOUT);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) throw new KafkaException("timed out reading " + Topics.BILLING_RATES.name());
                for (ConsumerRecord<String, Rate> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() == null || !RateKeys.inDeck(r.key(), deckId)) continue;
                    if (r.value() == null) rows.remove(r.key());
                    else rows.put(r.key(), r.value());
                }
            }
        }
        return rows;
    }

    private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (var e : end.entrySet()) if (consumer.position(e.getKey()) < e.getValue()) return false;
        return true;
    }

    private void send(List<ProducerRecord<String, Rate>> records, LongConsumer sentSoFar) {
        KafkaProducer<String, Rate> p = producer();
        try {
            p.beginTransaction();
            long sent = 0;
            for (ProducerRecord<String, Rate> r : records) {
                p.send(r);
                sentSoFar.accept(++sent);
            }
            p.commitTransaction();
        } catch (KafkaException e) {
            // a fenced or broken transactional producer cannot be reused: start afresh next time
            try {
                p.abortTransaction();
            } catch (RuntimeException ignored) {
                // the producer is closed below
            }
            p.close(Duration.ofSeconds(5));
            producer = null;
            throw e;
        }
    }

    private KafkaProducer<String, Rate> producer() {
        if (producer == null) {
            Map<String, Object> props = kafka.common();
            props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId + "-ratedeck-writer");
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, clientId + "-ratedecks-" + UUID.randomUUID());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            producer = new KafkaProducer<>(props, new StringSerializer(), Topics.BILLING_RATES.valueSerde(kafka.serdes()).serializer());
            producer.initTransactions();
        }
        return producer;
    }

    /** A short digest of a deck's rows, in prefix order: the ETag of PUT and If-Match. */
    public static String etag(Iterable<Rate> rows) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            Map<String, Rate> sorted = new TreeMap<>();
            rows.forEach(r -> sorted.put(r.getPrefix(), r));
            for (Rate r : sorted.values()) {
                String line = r.getPrefix() + "," + r.getPricePerMinute().toPlainString() + "," + r.getCurrency() + ","
                        + r.getFirstIncrement() + "," + r.getNextIncrement() + ","
                        + (r.getConnectionFee() == null ? "0" : r.getConnectionFee().toPlainString()) + "\n";
                digest.update(line.getBytes(StandardCharsets.UTF_8));
            }
            return "\"" + HexFormat.of().formatHex(digest.digest(), 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() {
        if (producer != null) producer.close(Duration.ofSeconds(5));
        producer = null;
    }

    /**
     * Standalone: {@code [--config FILE] [--kafka.bootstrap=...] [--schema.registry.url=...] DECK_ID FILE.csv}.
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: RateDeckLoader [--config FILE] [--key=value ...] DECK_ID FILE.csv");
            System.exit(2);
        }
        String deckId = args[args.length - 2];
        Path file = Path.of(args[args.length - 1]);
        var settings = StandaloneMain.parse(Arrays.copyOf(args, args.length - 2), System.getenv());
        try (RateDeckLoader loader = new RateDeckLoader(KafkaSettings.from(settings), "sipstream-ratedeck-loader")) {
            Result result = loader.load(deckId, file);
            System.out.println("deck " + result.deckId() + ": " + result.rows() + " rows, " + result.written() + " written, "
                    + result.removed() + " removed, etag " + result.etag());
        } catch (RateDeckCsv.CsvException e) {
            System.err.println(file + ": " + e.getMessage());
            System.exit(1);
        }
    }
}
