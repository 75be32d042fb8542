package io.sipstream.edge.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.avro.CallEvent;
import io.sipstream.avro.CallEventType;
import io.sipstream.avro.Direction;
import io.sipstream.avro.HangupParty;
import io.sipstream.edge.call.CallDialogs;
import io.sipstream.edge.call.LegDialog;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.CRC32C;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CallJournalTest {
    private static CallEvent event(String callId, CallEventType type, Long answeredAt) {
        return CallEvent.newBuilder().setEventId(callId + ":" + type + ":0").setCallId(callId).setAccountId("acc")
                .setType(type).setDirection(Direction.OUTBOUND).setOccurredAt(Instant.ofEpochMilli(10_000))
                .setStartedAt(Instant.ofEpochMilli(1_000)).setAnsweredAt(answeredAt == null ? null : Instant.ofEpochMilli(answeredAt))
                .build();
    }

    private static byte[] bytes(CallEvent e) throws Exception {
        var b = e.toByteBuffer();
        byte[] array = new byte[b.remaining()];
        b.get(array);
        return array;
    }

    @Test
    void shouldCloseTheCallsAPreviousRunLostAtTheLastHeartbeat(@TempDir Path dir) throws Exception {
        CallJournal journal = new CallJournal(dir);
        journal.record(event("answered/1", CallEventType.ANSWERED, 5_000L));
        journal.record(event("ringing-2", CallEventType.ATTEMPT, null));
        journal.record(event("done-3", CallEventType.ANSWERED, 5_000L));
        journal.record(event("done-3", CallEventType.ENDED, 5_000L));
        journal.heartbeat(65_000);

        var closing = new CallJournal(dir).recoverLostCalls("7");
        assertThat(closing).hasSize(3);
        assertThat(closing).as("a closing event journalled but maybe not delivered comes back as it was")
                .contains(event("done-3", CallEventType.ENDED, 5_000L));
        CallEvent ended = closing.stream().filter(e -> e.getCallId().equals("answered/1")).findFirst().orElseThrow();
        assertThat(ended.getType()).isEqualTo(CallEventType.ENDED);
        assertThat(ended.getEventId()).isEqualTo("answered/1:ENDED:0");
        assertThat(ended.getDurationMillis()).isEqualTo(60_000);
        assertThat(ended.getHangupBy()).isEqualTo(HangupParty.SYSTEM);
        assertThat(ended.getEdgeId()).isEqualTo("7");
        CallEvent failed = closing.stream().filter(e -> e.getCallId().equals("ringing-2")).findFirst().orElseThrow();
        assertThat(failed.getType()).isEqualTo(CallEventType.FAILED);

        closing.forEach(journal::record);
        assertThat(journal.liveCalls()).as("kept until delivered").isEqualTo(3);
        closing.forEach(journal::forget);
        assertThat(journal.liveCalls()).isZero();
        assertThat(new CallJournal(dir).recoverLostCalls("7")).isEmpty();
    }

    @Test
    void shouldEndALostCallAtTheLastHeartbeat(@TempDir Path dir) throws Exception {
        CallJournal journal = new CallJournal(dir);
        journal.record(event("c-1", CallEventType.ANSWERED, 5_000L));
        journal.heartbeat(40_000);
        journal.heartbeat(50_000);

        CallEvent ended = new CallJournal(dir).recoverLostCalls("1").getFirst();
        assertThat(ended.getEndedAt()).isEqualTo(Instant.ofEpochMilli(50_000));
        assertThat(ended.getDurationMillis()).isEqualTo(45_000);
    }

    @Test
    void shouldRewriteTheJournalWithTheLiveCallsOnlyOnceItOutgrowsItsSize(@TempDir Path dir) throws Exception {
        CallJournal journal = new CallJournal(dir, 4096);
        journal.record(event("live-1", CallEventType.ANSWERED, 5_000L));
        for (int i = 0; i < 200; i++) {
            CallEvent end = event("gone-" + i, CallEventType.ENDED, 5_000L);
            journal.record(event("gone-" + i, CallEventType.ANSWERED, 5_000L));
            journal.record(end);
            journal.forget(end);
        }
        journal.record(event("live-2", CallEventType.ATTEMPT, null));
        journal.heartbeat(70_000);
        journal.record(event("live-3", CallEventType.ENDED, 5_000L));

        assertThat(Files.size(dir.resolve(CallJournal.FILE))).as("rewritten, not grown with every call").isLessThan(8192);
        assertThat(Files.list(dir)).as("the old journal replaced, not left beside").hasSize(1);
        List<CallEvent> recovered = new CallJournal(dir).recoverLostCalls("1");
        assertThat(recovered).extracting(CallEvent::getCallId).containsExactlyInAnyOrder("live-1", "live-2", "live-3");
        assertThat(recovered).filteredOn(e -> e.getCallId().equals("live-1")).extracting(CallEvent::getEndedAt)
                .as("the heartbeat survives the rewrite").containsExactly(Instant.ofEpochMilli(70_000));
        assertThat(recovered).contains(event("live-3", CallEventType.ENDED, 5_000L));
    }

    @Test
    void shouldSkipARecordACrashCutShortAndAppendAfterTheLastWholeOne(@TempDir Path dir) throws Exception {
        CallJournal journal = new CallJournal(dir);
        journal.record(event("c-1", CallEventType.ANSWERED, 5_000L));
        journal.record(event("c-2", CallEventType.ANSWERED, 5_000L));
        Path file = dir.resolve(CallJournal.FILE);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 7)); // the crash came in the middle of c-2's record

        CallJournal restarted = new CallJournal(dir);
        assertThat(restarted.recoverLostCalls("1")).extracting(CallEvent::getCallId).containsExactly("c-1");
        restarted.record(event("c-3", CallEventType.ANSWERED, 5_000L));
        assertThat(new CallJournal(dir).recoverLostCalls("1")).extracting(CallEvent::getCallId).containsExactly("c-1", "c-3");
    }

    @Test
    void shouldTakeOverTheCallsOfAFilePerCallJournal(@TempDir Path dir) throws Exception {
        // the layout before the append-only journal: <hex of the call id>.call holding the latest event, touched by heartbeats
        CallEvent answered = event("old/1", CallEventType.ANSWERED, 5_000L);
        Path oldFile = dir.resolve(HexFormat.of().formatHex("old/1".getBytes(StandardCharsets.UTF_8)) + ".call");
        Files.write(oldFile, bytes(answered));
        Files.setLastModifiedTime(oldFile, FileTime.fromMillis(65_000));
        CallEvent ended = event("old-2", CallEventType.ENDED, 5_000L);
        Files.write(dir.resolve(HexFormat.of().formatHex("old-2".getBytes(StandardCharsets.UTF_8)) + ".call"), bytes(ended));
        Files.write(dir.resolve("6f6c642d33.call.tmp"), new byte[] {1, 2, 3});

        CallJournal journal = new CallJournal(dir);
        List<CallEvent> recovered = journal.recoverLostCalls("7");
        assertThat(recovered).contains(ended);
        CallEvent lost = recovered.stream().filter(e -> e.getCallId().equals("old/1")).findFirst().orElseThrow();
        assertThat(lost.getType()).isEqualTo(CallEventType.ENDED);
        assertThat(lost.getDurationMillis()).as("ended at the file's last heartbeat").isEqualTo(60_000);
        assertThat(Files.list(dir)).extracting(p -> p.getFileName().toString()).containsExactly(CallJournal.FILE);

        assertThat(new CallJournal(dir).recoverLostCalls("8")).as("in the new journal until delivered").containsExactlyInAnyOrder(lost, ended);
        recovered.forEach(journal::forget);
        assertThat(new CallJournal(dir).recoverLostCalls("8")).isEmpty();
    }

    @Test
    void shouldNotJournalTheFailureOfACallItNeverHeardOf(@TempDir Path dir) throws Exception {
        CallJournal journal = new CallJournal(dir);
        journal.record(event("lean-1", CallEventType.FAILED, null));
        journal.record(event("announced-2", CallEventType.ATTEMPT, null));
        journal.record(event("announced-2", CallEventType.FAILED, null));
        assertThat(new CallJournal(dir).recoverLostCalls("1")).extracting(CallEvent::getCallId).containsExactly("announced-2");
    }

    @Test
    void shouldJournalAndRecoverACallWhoseCallIdIsLongerThanAFileNameMayBe(@TempDir Path dir) throws Exception {
        // the journal is one file whatever the calls' ids: a 300-character Call-ID names no file (255 bytes at most)
        String longId = "1-0011223344556677:" + "c".repeat(300);
        CallJournal journal = new CallJournal(dir);
        journal.record(event(longId, CallEventType.ANSWERED, 5_000L), dialogs(longId));
        journal.heartbeat(35_000);

        CallJournal restarted = new CallJournal(dir);
        assertThat(restarted.lostCallDialogs()).containsExactly(dialogs(longId));
        List<CallEvent> recovered = restarted.recoverLostCalls("1");
        assertThat(recovered).extracting(CallEvent::getCallId).containsExactly(longId);
        assertThat(recovered.getFirst().getType()).isEqualTo(CallEventType.ENDED);
        recovered.forEach(restarted::forget);
        assertThat(new CallJournal(dir).recoverLostCalls("1")).isEmpty();
        assertThat(Files.list(dir)).extracting(p -> p.getFileName().toString()).containsExactly(CallJournal.FILE);
    }

    private static CallDialogs dialogs(String callId) {
        return new CallDialogs(callId,
                new LegDialog("sip-" + "c".repeat(300), "edge-tag", "phone-tag", "<sip:+15557654321@sipstream.local>",
                        "\"Alice\" <sip:alice@sipstream.local>", "sip:alice@10.0.0.7:5062;transport=tcp",
                        List.of("<sip:proxy.example;lr>", "<sip:edge2.example;lr>"), 0, "tcp", null),
                new LegDialog("b-leg@127.0.0.1", "edge-b", "carrier-b", "<sip:+15551230001@127.0.0.1>",
                        "<sip:+15557654321@127.0.0.1>", "sip:carrier@127.0.0.1:5090", List.of(), 2, "udp", "192.0.2.1:5099/udp"));
    }

    @Test
    void shouldKeepAnAnsweredCallsDialogsUntilItsClosingEventOnlyAndThroughARewrite(@TempDir Path dir) throws Exception {
        CallJournal journal = new CallJournal(dir, 4096);
        journal.record(event("up-1", CallEventType.ANSWERED, 5_000L), dialogs("up-1"));
        journal.record(event("up-1", CallEventType.INTERIM, 5_000L));
        journal.record(event("done-2", CallEventType.ANSWERED, 5_000L), dialogs("done-2"));
        journal.record(event("done-2", CallEventType.ENDED, 5_000L)); // hung up, not yet delivered: nothing to hang up
        for (int i = 0; i < 200; i++) { // past 4 KiB: rewritten
            CallEvent end = event("gone-" + i, CallEventType.ENDED, 5_000L);
            journal.record(event("gone-" + i, CallEventType.ANSWERED, 5_000L), dialogs("gone-" + i));
            journal.record(end);
            journal.forget(end);
        }
        assertThat(Files.size(dir.resolve(CallJournal.FILE))).as("rewritten").isLessThan(8192);

        CallJournal restarted = new CallJournal(dir);
        assertThat(restarted.lostCallDialogs()).containsExactly(dialogs("up-1"));
        List<CallEvent> closing = restarted.recoverLostCalls("1");
        restarted.batch(() -> closing.forEach(restarted::record));
        assertThat(restarted.lostCallDialogs()).as("dropped with the closing events").isEmpty();
        assertThat(new CallJournal(dir).lostCallDialogs()).isEmpty();
    }

    @Test
    void shouldSkipUnreadableDialogsAndKeepTheCall(@TempDir Path dir) throws Exception {
        CallJournal journal = new CallJournal(dir);
        journal.record(event("c-1", CallEventType.ANSWERED, 5_000L), dialogs("c-1"));
        Path file = dir.resolve(CallJournal.FILE);
        byte[] bytes = Files.readAllBytes(file);
        int version = indexOf(bytes, JournalledDialogs.encode(dialogs("c-1")));
        bytes[version] = 9; // a version this edge cannot read (a downgrade), its record's CRC made whole again
        Files.write(file, reframe(bytes, version));

        CallJournal restarted = new CallJournal(dir);
        assertThat(restarted.lostCallDialogs()).isEmpty();
        assertThat(restarted.recoverLostCalls("1")).extracting(CallEvent::getCallId).containsExactly("c-1");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }

    /** The journal with the CRC of the record whose payload starts at {@code payloadAt} computed again. */
    private static byte[] reframe(byte[] journal, int payloadAt) {
        int typeAt = payloadAt - 1;
        ByteBuffer b = ByteBuffer.wrap(journal);
        int length = b.getInt(typeAt - 8);
        CRC32C crc = new CRC32C();
        crc.update(journal, typeAt, length);
        b.putInt(typeAt - 4, (int) crc.getValue());
        return journal;
    }

    /**
     * After an upgrade the journal an earlier release left must still be read: its events carry that release's
     * CallEvent schema (single-object encoding names it by fingerprint). Every released schema is tried, as the
     * edge of that release wrote it, in the journal's own record format.
     */
    @Test
    void shouldRecoverTheCallsAJournalOfEveryEarlierReleaseHolds(@TempDir Path dir) throws Exception {
        Path released = Path.of("../schemas/src/test/resources/released");
        List<Path> releases;
        try (var dirs = Files.list(released)) {
            releases = dirs.sorted().toList();
        }
        assertThat(releases).as("the released schemas of the schemas module").isNotEmpty();
        for (Path release : releases) {
            Schema.Parser parser = new Schema.Parser();
            parser.parse(release.resolve("CallAttempt.avsc").toFile()); // defines Direction, which CallEvent names
            Schema schema = parser.parse(release.resolve("CallEvent.avsc").toFile());
            GenericRecord answered = new GenericData.Record(schema);
            answered.put("eventId", "old-1:ANSWERED:0");
            answered.put("callId", "old-1");
            answered.put("accountId", "acc");
            answered.put("type", new GenericData.EnumSymbol(schema.getField("type").schema(), "ANSWERED"));
            answered.put("sequence", 0);
            answered.put("direction", new GenericData.EnumSymbol(schema.getField("direction").schema(), "OUTBOUND"));
            answered.put("edgeId", "1");
            answered.put("occurredAt", 10_000L);
            answered.put("startedAt", 1_000L);
            answered.put("answeredAt", 5_000L);
            answered.put("durationMillis", 0L);
            answered.put("sipStatus", 0);
            answered.put("hangupBy", new GenericData.EnumSymbol(schema.getField("hangupBy").schema(), "UNKNOWN"));
            ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(answered);
            byte[] event = new byte[encoded.remaining()];
            encoded.get(event);
            Path journalDir = Files.createDirectories(dir.resolve(release.getFileName().toString()));
            Files.write(journalDir.resolve(CallJournal.FILE), journalOf(event, 5_000L));

            List<CallEvent> recovered = new CallJournal(journalDir).recoverLostCalls("1");
            assertThat(recovered).as("a call of a %s journal", release.getFileName()).singleElement().satisfies(e -> {
                assertThat(e.getCallId()).isEqualTo("old-1");
                assertThat(e.getType()).isEqualTo(CallEventType.ENDED);
                assertThat(e.getAnsweredAt()).isEqualTo(Instant.ofEpochMilli(5_000));
            });
        }
    }

    /** A journal file holding one event record, framed as CallJournal frames it: length, CRC-32C, type, written-at, event. */
    private static byte[] journalOf(byte[] event, long writtenAt) {
        ByteBuffer record = ByteBuffer.allocate(1 + 8 + event.length).put((byte) 1).putLong(writtenAt).put(event);
        CRC32C crc = new CRC32C();
        crc.update(record.array());
        return ByteBuffer.allocate(4 + 8 + record.capacity()).putInt(0x53534a31).putInt(record.capacity())
                .putInt((int) crc.getValue()).put(record.array()).array();
    }

    /** A bus that holds every event until the test says it is delivered. */
    private static final class SlowBus implements CallEventPublisher {
        final List<CallEvent> published = new CopyOnWriteArrayList<>();
        final List<Runnable> deliveries = new CopyOnWriteArrayList<>();

        @Override public void publish(CallEvent event) { published.add(event); }

        @Override
        public void publish(CallEvent event, Runnable onDelivered) {
            published.add(event);
            deliveries.add(onDelivered);
        }
    }

    @Test
    void shouldForgetACallOnlyOnceItsEndIsDeliveredSoACrashReEmitsIt(@TempDir Path dir) throws Exception {
        SlowBus bus = new SlowBus();
        CallJournal journal = new CallJournal(dir);
        CallEvent ended = CallEvent.newBuilder(event("c-1", CallEventType.ENDED, 5_000L)).setReason("caller hung up")
                .setHangupBy(HangupParty.CALLER).build();
        try (JournalledEventSink sink = new JournalledEventSink(bus, journal)) {
            sink.emit(event("c-1", CallEventType.ANSWERED, 5_000L));
            sink.emit(ended);
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> bus.published.size() == 2);
        }
        // the edge dies here: published, never acknowledged
        List<CallEvent> recovered = new CallJournal(dir).recoverLostCalls("1");
        assertThat(recovered).containsExactly(ended); // the same event id: billing keeps one

        try (JournalledEventSink sink = new JournalledEventSink(bus, journal)) {
            sink.emit(ended);
            // the first run's ANSWERED and ENDED, then this run's ENDED
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> bus.deliveries.size() == 3);
            bus.deliveries.get(2).run();
        }
        assertThat(journal.liveCalls()).isZero();
    }
}
