package io.sipstream.edge.call;

import io.sipstream.avro.CallMedia;
import io.sipstream.avro.MediaStream;
import io.sipstream.edge.media.MediaReport;
import java.time.Instant;

/** What the relay saw of a call's media ({@link MediaReport}) as its closing event carries it (call.events' CallMedia). */
final class MediaDiagnostics {
    static CallMedia of(MediaReport seen, String relay) {
        return CallMedia.newBuilder()
                .setVerdict(seen.verdict().name())
                .setRelay(relay)
                .setStreams(seen.streams().stream().map(s -> MediaStream.newBuilder()
                        .setSide(s.side()).setIndex(s.index()).setAnnounced(s.announced()).setSource(s.source())
                        .setPacketsReceived(s.packetsReceived()).setBytesReceived(s.bytesReceived())
                        .setPacketsSent(s.packetsSent()).setBytesSent(s.bytesSent())
                        .setLastPacketAt(s.lastPacketAt() > 0 ? Instant.ofEpochMilli(s.lastPacketAt()) : null)
                        .build()).toList())
                .build();
    }

    private MediaDiagnostics() {}
}
