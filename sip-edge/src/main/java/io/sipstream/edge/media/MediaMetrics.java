package io.sipstream.edge.media;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Anchored calls' meters ({@code sipstream_edge_media_*}): calls anchored, offers no relay answered, and anchored calls
 * ended by their media's verdict (one-way audio, no media, NAT, ok). Made once per edge.
 */
public final class MediaMetrics {
    private final Counter anchored;
    private final Counter relayFailed;
    private final Map<MediaReport.Verdict, Counter> ended = new EnumMap<>(MediaReport.Verdict.class);

    public MediaMetrics(MeterRegistry registry) {
        anchored = Counter.builder("sipstream.edge.media.anchored").description("calls whose media went through the relay")
                .register(registry);
        relayFailed = Counter.builder("sipstream.edge.media.relay.failures")
                .description("anchored calls' offers or answers no rtpengine instance answered").register(registry);
        for (MediaReport.Verdict v : MediaReport.Verdict.values()) {
            ended.put(v, Counter.builder("sipstream.edge.media.calls").tag("verdict", v.name().toLowerCase(Locale.ROOT))
                    .description("anchored calls ended, by what the relay saw of their media").register(registry));
        }
    }

    public void anchored() { anchored.increment(); }

    public void relayFailed() { relayFailed.increment(); }

    public void ended(MediaReport report) { ended.get(report.verdict()).increment(); }
}
