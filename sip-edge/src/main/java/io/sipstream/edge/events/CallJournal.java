package io.sipstream.edge.events;

import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.HangupParty;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file per live call holding its latest event, so that an edge that crashes and restarts can
 * tell billing that the calls it lost have ended (no ghost call keeps costing). A heartbeat
 * touches every file, so a lost call's end is taken as the last time the edge knew it alive.
 */
public final class CallJournal {
    private static final Logger log = LoggerFactory.getLogger(CallJournal.class);
    private static final String SUFFIX = ".call";
    private final Path dir;

    public CallJournal(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
    }

    /** Whether an event is a call's last (ENDED or FAILED). */
    public static boolean closes(CallEvent event) {
        return event.getType() == CallEventType.ENDED || event.getType() == CallEventType.FAILED;
    }

    /**
     * Records the latest event of a call, its closing one too: the call is only forgotten
     * ({@link #forget}) once that has been delivered, so a crash in between re-emits it.
     */
    public void record(CallEvent event) {
        Path file = fileOf(event.getCallId());
        try {
            Path tmp = dir.resolve(file.getFileName() + ".tmp");
            ByteBuffer bytes = event.toByteBuffer();
            byte[] array = new byte[bytes.remaining()];
            bytes.get(array);
            Files.write(tmp, array);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.warn("call journal: cannot record {}: {}", event.getEventId(), e.toString());
        }
    }

    /** The call's closing event has been delivered: nothing about it is left to tell. */
    public void forget(CallEvent closing) {
        try {
            Files.deleteIfExists(fileOf(closing.getCallId()));
        } catch (IOException e) {
            log.warn("call journal: cannot remove {}: {}", closing.getCallId(), e.toString());
        }
    }

    /** Marks every live call as alive now. */
    public void heartbeat(long nowMillis) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path f : files) Files.setLastModifiedTime(f, FileTime.fromMillis(nowMillis));
        } catch (IOException e) {
            log.warn("call journal heartbeat failed: {}", e.toString());
        }
    }

    /**
     * The closing events of the calls a previous run left behind: a closing event it journalled
     * but may not have delivered, as it was; else ENDED for answered calls and FAILED for the
     * others, ended at the journal's last heartbeat. The caller publishes them, then
     * {@link #forget}s each once delivered.
     */
    public List<CallEvent> recoverLostCalls(String edgeId) {
        List<CallEvent> closing = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path f : files) {
                try {
                    CallEvent last = CallEvent.fromByteBuffer(ByteBuffer.wrap(Files.readAllBytes(f)));
                    if (closes(last)) {
                        closing.add(last); // the same event id: billing drops it if it did arrive
                        continue;
                    }
                    long endedAt = Math.max(Files.getLastModifiedTime(f).toMillis(), last.getOccurredAt().toEpochMilli());
                    closing.add(closingEvent(last, endedAt, edgeId));
                } catch (Exception e) {
                    log.warn("call journal: unreadable entry {} removed: {}", f, e.toString());
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            log.warn("call journal: cannot read {}: {}", dir, e.toString());
        }
        return closing;
    }

    static CallEvent closingEvent(CallEvent last, long endedAtMillis, String edgeId) {
        boolean answered = last.getAnsweredAt() != null;
        CallEventType type = answered ? CallEventType.ENDED : CallEventType.FAILED;
        java.time.Instant ended = java.time.Instant.ofEpochMilli(endedAtMillis);
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

    public int liveCalls() {
        try (var s = Files.list(dir)) {
            return (int) s.filter(p -> p.toString().endsWith(SUFFIX)).count();
        } catch (IOException e) {
            return -1;
        }
    }

    private Path fileOf(String callId) {
        // Call-IDs may hold any character: a hex name keeps them off the file system's syntax
        return dir.resolve(HexFormat.of().formatHex(callId.getBytes(StandardCharsets.UTF_8)) + SUFFIX);
    }
}
