package io.sipstream.edge.bus;

import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.HangupParty;
import io.sipstream.edge.call.CallDialogs;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.SchemaStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The latest event of each live call, kept so that an edge that crashes and restarts can tell
 * billing that the calls it lost have ended (no ghost call keeps costing). One append-only file,
 * {@code calls.journal}: a record per event (the time it was written and the event's Avro
 * single-object bytes), a forget record once a call's closing event is delivered, and heartbeat
 * records. A lost call ended when the edge last knew it alive: at the last heartbeat after its
 * latest record, else when that record was written. An answered call's two dialogs are recorded
 * after its ANSWERED event ({@link CallDialogs}) and dropped with its closing event, so a restart
 * can hang up what the previous run left answered ({@link #lostCallDialogs}). Once the file is {@code rewriteAtBytes} and at
 * least twice what the live calls hold, it is rewritten with only their latest events (fsynced,
 * then renamed over the old: a crash at any step leaves one whole journal).
 *
 * <p>Each record is framed by its length and a CRC-32C, so a record a crash cut short, or garbage
 * a crashed machine left at the end, is told from a whole one.
 *
 * <p>Appends are buffered; {@link #batch} writes a batch of them with one flush (the sink's
 * thread drains its work that way), a call outside a batch flushes at once. Nothing is fsynced
 * per event (the file-per-call journal before it did not fsync either): a crashed process loses
 * nothing flushed, a crashed machine may lose the last seconds.
 *
 * <p>One journal per directory. A directory the file-per-call journal left ({@code *.call}) is
 * taken over by {@link #recoverLostCalls}, so an upgrade loses no call.
 *
 * <p>It lives with the bus although it knows no Kafka type: it is call.events' outbox, written
 * before an event is published, forgotten when Kafka acknowledges it and replayed to Kafka at start,
 * so its rules are the bus's delivery rules and nothing but the bus uses it. The SIP code only emits
 * events ({@link io.sipstream.edge.call.CallEventSink}).
 */
public final class CallJournal {
    private static final Logger log = LoggerFactory.getLogger(CallJournal.class);
    static final String FILE = "calls.journal";
    static final long REWRITE_AT_BYTES = 8L << 20;
    private static final int MAGIC = 0x53534a31; // "SSJ1"
    private static final byte EVENT = 1, FORGET = 2, HEARTBEAT = 3, DIALOGS = 4;
    /**
     * The CallEvent schemas earlier releases wrote journals with (resources beside this class): a journal an older
     * edge left is read after an upgrade, its events resolved to the current schema. A change to CallEvent adds the
     * schema it replaces here (CallJournalTest checks every released one is known).
     */
    static final List<String> EARLIER_SCHEMAS = List.of("CallEvent-0.1.0.avsc");
    /** Single-object encoding names the writer's schema by fingerprint; this decoder knows the current one and the earlier ones. */
    private static final BinaryMessageDecoder<CallEvent> DECODER = CallEvent.createDecoder(earlierSchemas());
    /** A record's frame: its length (type and payload) and the CRC-32C of both. */
    private static final int FRAME = 8;
    private static final String LEGACY_SUFFIX = ".call";

    private final Path dir;
    private final Path file;
    private final long rewriteAtBytes;
    /** Each live call's latest event as journalled, by call id. */
    private final Map<String, Entry> live = new LinkedHashMap<>();
    /** The dialogs of the live calls that are answered, as journalled ({@link JournalledDialogs}), by call id. */
    private final Map<String, byte[]> dialogs = new HashMap<>();
    private long liveBytes;
    /** Records appended or read so far: orders events against heartbeats. */
    private long records;
    private long lastBeat;
    private long lastBeatRecord;
    private DataOutputStream out;
    private long size;
    private boolean damaged;
    private int batchDepth;

    public CallJournal(Path dir) throws IOException { this(dir, REWRITE_AT_BYTES); }

    CallJournal(Path dir, long rewriteAtBytes) throws IOException {
        this.dir = dir;
        this.file = dir.resolve(FILE);
        this.rewriteAtBytes = rewriteAtBytes;
        Files.createDirectories(dir);
        Files.deleteIfExists(next()); // a rewrite a crash interrupted: the journal it was to replace is whole
        long valid = replay();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            if (ch.size() > valid) ch.truncate(valid); // appends must follow the last whole record
            if (valid == 0) ch.write(ByteBuffer.allocate(4).putInt(0, MAGIC));
        }
        size = Math.max(valid, 4);
        open();
    }

    /** Whether an event is a call's last (ENDED or FAILED). */
    public static boolean closes(CallEvent event) {
        return event.getType() == CallEventType.ENDED || event.getType() == CallEventType.FAILED;
    }

    /**
     * Records the latest event of a call, its closing one too: the call is only forgotten
     * ({@link #forget}) once that has been delivered, so a crash in between re-emits it.
     */
    public synchronized void record(CallEvent event) {
        // A call's FAILED as its first event: it was never announced (docs/topics.md, lean events) nor
        // answered. Losing it in a crash costs nothing, and the router's pending entry for it ages out
        // after router.limits.pending.max.age, so it is not worth a record and a forget.
        if (event.getType() == CallEventType.FAILED && !live.containsKey(event.getCallId())) return;
        Entry entry = new Entry(bytes(event), System.currentTimeMillis(), ++records);
        keep(event.getCallId(), entry);
        if (closes(event)) dropDialogs(event.getCallId()); // its legs are hung up (or never were answered)
        append(EVENT, entry.payload());
    }

    /** Records an event (the call's ANSWERED) and the dialogs the call bridges from now; null dialogs: the event only. */
    public synchronized void record(CallEvent event, CallDialogs callDialogs) {
        record(event);
        if (callDialogs == null || closes(event) || !live.containsKey(event.getCallId())) return;
        byte[] payload = JournalledDialogs.encode(callDialogs);
        keepDialogs(event.getCallId(), payload);
        append(DIALOGS, payload);
    }

    /** Whether {@code event} is the latest this journal holds of its call (a later event, or the call's end, replaces it). */
    public synchronized boolean holdsLatest(CallEvent event) {
        Entry entry = live.get(event.getCallId());
        return entry != null && Arrays.equals(entry.event(), bytes(event));
    }

    /** The call's closing event has been delivered: nothing about it is left to tell. */
    public synchronized void forget(CallEvent closing) {
        if (!drop(closing.getCallId())) return;
        append(FORGET, closing.getCallId().getBytes(StandardCharsets.UTF_8));
    }

    /** Marks every live call as alive now. */
    public synchronized void heartbeat(long nowMillis) {
        lastBeat = nowMillis;
        lastBeatRecord = ++records;
        if (!live.isEmpty()) append(HEARTBEAT, beat(nowMillis)); // an idle edge writes nothing
    }

    /** Runs {@code work}'s records, forgets and heartbeats with one flush at the end. */
    public synchronized void batch(Runnable work) {
        batchDepth++;
        try {
            work.run();
        } finally {
            if (--batchDepth == 0) flush();
        }
    }

    /**
     * The closing events of the calls a previous run left behind: a closing event it journalled
     * but may not have delivered, as it was; else ENDED for answered calls and FAILED for the
     * others, ended at the journal's last heartbeat. The caller publishes them, then
     * {@link #forget}s each once delivered.
     */
    public synchronized List<CallEvent> recoverLostCalls(String edgeId) {
        takeOverLegacyFiles(edgeId);
        List<CallEvent> closing = new ArrayList<>();
        for (Entry entry : live.values()) {
            CallEvent last = event(entry.event());
            if (closes(last)) closing.add(last); // the same event id: billing drops it if it did arrive
            else closing.add(closingEvent(last, Math.max(aliveAt(entry), last.getOccurredAt().toEpochMilli()), edgeId));
        }
        return closing;
    }

    /**
     * The dialogs of the answered calls a previous run left up, to be hung up. Call it before the closing events
     * of {@link #recoverLostCalls} are recorded: a closing event drops its call's dialogs.
     */
    public synchronized List<CallDialogs> lostCallDialogs() {
        List<CallDialogs> lost = new ArrayList<>();
        for (var e : dialogs.entrySet()) {
            try {
                lost.add(JournalledDialogs.decode(e.getValue()));
            } catch (IllegalArgumentException unreadable) {
                log.warn("call journal: the dialogs of call {} are unreadable, its legs are not hung up: {}", e.getKey(),
                        unreadable.getMessage());
            }
        }
        return lost;
    }

    private long aliveAt(Entry entry) { return entry.record() < lastBeatRecord ? lastBeat : entry.writtenAt(); }

    static CallEvent closingEvent(CallEvent last, long endedAtMillis, String edgeId) {
        boolean answered = last.getAnsweredAt() != null;
        CallEventType type = answered ? CallEventType.ENDED : CallEventType.FAILED;
        Instant ended = Instant.ofEpochMilli(endedAtMillis);
        return CallEvent.newBuilder(last)
                .setEventId(last.getCallId() + ":" + type + ":0")
                .setType(type)
                .setSequence(0)
                .setEdgeId(edgeId)
                .setOccurredAt(ended)
                .setEndedAt(ended)
                .setDurationMillis(answered ? Math.max(0, endedAtMillis - last.getAnsweredAt().toEpochMilli()) : 0)
                .setSipStatus(answered ? 200 : 500)
                .setReason("edge restarted; the call was lost")
                .setHangupBy(HangupParty.SYSTEM)
                .build();
    }

    public synchronized int liveCalls() { return live.size(); }

    /** Flushes and closes the file; the journal is not used afterwards. */
    public synchronized void close() {
        flush();
        closeOut();
    }

    // ---- writing

    private void append(byte type, byte[] payload) {
        if (out != null) {
            try {
                size += write(out, type, payload);
            } catch (IOException e) {
                failed("cannot append to", e);
            }
        }
        if (batchDepth == 0) flush();
    }

    private static int write(DataOutputStream o, byte type, byte[] payload) throws IOException {
        CRC32C crc = new CRC32C();
        crc.update(type);
        crc.update(payload);
        o.writeInt(payload.length + 1);
        o.writeInt((int) crc.getValue());
        o.writeByte(type);
        o.write(payload);
        return FRAME + 1 + payload.length;
    }

    private void flush() {
        if (out != null) {
            try {
                out.flush();
            } catch (IOException e) {
                failed("cannot write", e);
            }
        }
        // a failed write may have left half a record: what follows it would be unreadable, so start afresh
        if (damaged || size >= rewriteAtBytes && size >= 2 * liveBytes) rewrite();
    }

    private void failed(String what, IOException e) {
        log.warn("call journal: {} {}: {}; it will be rewritten from memory", what, file, e.toString());
        damaged = true;
        closeOut();
    }

    /** A fresh journal of the live calls' latest events, fsynced, then renamed over the old one. */
    private void rewrite() {
        closeOut();
        Path next = next();
        try {
            long written = 4;
            try (FileChannel ch = FileChannel.open(next, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
                 DataOutputStream o = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16))) {
                o.writeInt(MAGIC);
                // the calls recorded before the last heartbeat, the heartbeat, the others: each call keeps its time alive
                for (var e : live.entrySet()) if (e.getValue().record() < lastBeatRecord) written += writeCall(o, e.getKey(), e.getValue());
                if (lastBeatRecord > 0) written += write(o, HEARTBEAT, beat(lastBeat));
                for (var e : live.entrySet()) if (e.getValue().record() > lastBeatRecord) written += writeCall(o, e.getKey(), e.getValue());
                o.flush();
                ch.force(true);
            }
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory();
            size = written;
            damaged = false;
            open();
        } catch (IOException e) {
            damaged = true;
            log.warn("call journal: cannot rewrite {}: {}; the live calls stay in memory until it can", file, e.toString());
        }
    }

    /** A live call's latest event, and its dialogs when it has them. */
    private int writeCall(DataOutputStream o, String callId, Entry entry) throws IOException {
        int written = write(o, EVENT, entry.payload());
        byte[] d = dialogs.get(callId);
        return d == null ? written : written + write(o, DIALOGS, d);
    }

    private void open() throws IOException {
        out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.APPEND), 1 << 16));
    }

    private void closeOut() {
        if (out == null) return;
        try {
            out.close();
        } catch (IOException e) {
            damaged = true;
        }
        out = null;
    }

    /** So the rename survives a machine crash; some file systems cannot open a directory, which only costs that. */
    private void syncDirectory() {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            log.debug("call journal: cannot fsync {}: {}", dir, e.toString());
        }
    }

    private Path next() { return dir.resolve(FILE + ".next"); }

    // ---- reading

    /** Reads the journal into memory; returns the length of its whole records (0: none, not even the header). */
    private long replay() throws IOException {
        if (!Files.exists(file)) return 0;
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        if (b.remaining() < 4 || b.getInt() != MAGIC) {
            log.warn("call journal: {} is not a call journal (or was cut before its header): started afresh", file);
            return 0;
        }
        while (b.hasRemaining()) {
            int at = b.position();
            byte[] record = record(b);
            if (record == null) {
                log.warn("call journal: the record at byte {} of {} is cut short or damaged (a crash while it was written?): "
                        + "it and the {} bytes after it are skipped", at, file, b.limit() - at);
                return at;
            }
            ByteBuffer payload = ByteBuffer.wrap(record, 1, record.length - 1);
            records++;
            switch (record[0]) {
                case EVENT -> {
                    try {
                        long writtenAt = payload.getLong();
                        byte[] event = Arrays.copyOfRange(record, 9, record.length);
                        CallEvent e = event(event);
                        keep(e.getCallId(), new Entry(event, writtenAt, records));
                        if (closes(e)) dropDialogs(e.getCallId());
                    } catch (RuntimeException e) {
                        log.warn("call journal: unreadable event at byte {} of {} skipped: {}", at, file, e.toString());
                    }
                }
                case FORGET -> drop(new String(record, 1, record.length - 1, StandardCharsets.UTF_8));
                case DIALOGS -> {
                    byte[] d = Arrays.copyOfRange(record, 1, record.length);
                    try {
                        String callId = JournalledDialogs.decode(d).callId();
                        if (live.containsKey(callId)) keepDialogs(callId, d);
                    } catch (IllegalArgumentException e) {
                        log.warn("call journal: unreadable dialogs at byte {} of {} skipped: {}", at, file, e.getMessage());
                    }
                }
                case HEARTBEAT -> {
                    lastBeat = payload.getLong();
                    lastBeatRecord = records;
                }
                default -> log.warn("call journal: record of unknown type {} at byte {} of {} skipped", record[0], at, file);
            }
        }
        return b.position();
    }

    /** The next whole record (type and payload), or null when what is left is not one. */
    private static byte[] record(ByteBuffer b) {
        if (b.remaining() < FRAME) return null;
        int length = b.getInt();
        int crc = b.getInt();
        if (length < 1 || length > b.remaining()) return null;
        byte[] record = new byte[length];
        b.get(record);
        CRC32C check = new CRC32C();
        check.update(record);
        return (int) check.getValue() == crc ? record : null;
    }

    /**
     * Moves the calls a file-per-call journal left (a file per call holding its latest event, its
     * modification time the last heartbeat) into this one, as the closing events that journal's
     * recovery would have sent, and deletes the files once those are on disk.
     */
    private void takeOverLegacyFiles(String edgeId) {
        List<Path> files = new ArrayList<>();
        int calls = 0;
        try (DirectoryStream<Path> found = Files.newDirectoryStream(dir, CallJournal::legacy)) {
            for (Path f : found) {
                files.add(f);
                if (!f.toString().endsWith(LEGACY_SUFFIX)) continue; // a write the old journal never finished
                try {
                    CallEvent last = event(Files.readAllBytes(f));
                    long endedAt = Math.max(Files.getLastModifiedTime(f).toMillis(), last.getOccurredAt().toEpochMilli());
                    keep(last.getCallId(), new Entry(bytes(closes(last) ? last : closingEvent(last, endedAt, edgeId)), endedAt, ++records));
                    calls++;
                } catch (Exception e) {
                    log.warn("call journal: unreadable entry {} removed: {}", f, e.toString());
                }
            }
        } catch (IOException e) {
            log.warn("call journal: cannot read {}: {}", dir, e.toString());
            return;
        }
        if (files.isEmpty()) return;
        rewrite(); // fsynced before the files go: a crash in between finds the calls in both, with the same event ids
        if (damaged) return;
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                log.warn("call journal: cannot remove {}: {}", f, e.toString());
            }
        }
        log.info("call journal: took over {} calls from the file-per-call journal in {}", calls, dir);
    }

    /** A live call's latest event (Avro single-object bytes), when it was written, and its place among the records. */
    private record Entry(byte[] event, long writtenAt, long record) {
        byte[] payload() { return ByteBuffer.allocate(8 + event.length).putLong(writtenAt).put(event).array(); }
    }

    private void keep(String callId, Entry entry) {
        Entry before = live.put(callId, entry);
        liveBytes += entry.event().length - (before == null ? 0 : before.event().length);
    }

    private boolean drop(String callId) {
        Entry before = live.remove(callId);
        if (before != null) liveBytes -= before.event().length;
        dropDialogs(callId);
        return before != null;
    }

    private void keepDialogs(String callId, byte[] payload) {
        byte[] before = dialogs.put(callId, payload);
        liveBytes += payload.length - (before == null ? 0 : before.length);
    }

    private void dropDialogs(String callId) {
        byte[] before = dialogs.remove(callId);
        if (before != null) liveBytes -= before.length;
    }

    private static byte[] beat(long millis) { return ByteBuffer.allocate(8).putLong(0, millis).array(); }

    private static boolean legacy(Path f) {
        String name = f.getFileName().toString();
        return name.endsWith(LEGACY_SUFFIX) || name.endsWith(LEGACY_SUFFIX + ".tmp");
    }

    private static byte[] bytes(CallEvent event) {
        try {
            ByteBuffer b = event.toByteBuffer();
            byte[] array = new byte[b.remaining()];
            b.get(array);
            return array;
        } catch (IOException e) {
            throw new IllegalArgumentException("call event " + event.getEventId() + " cannot be encoded", e);
        }
    }

    private static SchemaStore.Cache earlierSchemas() {
        SchemaStore.Cache schemas = new SchemaStore.Cache();
        for (String name : EARLIER_SCHEMAS) {
            try (InputStream in = CallJournal.class.getResourceAsStream(name)) {
                if (in == null) throw new IllegalStateException("the call event schema " + name + " is missing from the jar");
                schemas.addSchema(new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the call event schema " + name, e);
            }
        }
        return schemas;
    }

    private static CallEvent event(byte[] bytes) {
        try {
            return DECODER.decode(ByteBuffer.wrap(bytes));
        } catch (IOException e) {
            throw new IllegalStateException("unreadable call event", e);
        }
    }
}
