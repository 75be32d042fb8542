package io.sipstream.edge.call;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sipstream.avro.Direction;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Per trunk and direction ({@code outbound}: the legs the edge dials to the trunk, a failover's each one;
 * {@code inbound}: the calls the trunk sends the edge): attempts, answers, final failures by SIP status
 * (408 when no final response came), and the answered calls' durations as a histogram. ASR is answers
 * over attempts and ACD the durations' sum over their count, both left to Prometheus' queries (any window,
 * summed over any trunks); a ratio computed here would fix both.
 *
 * <p>Trunk ids come from the registry, so the series are bounded; a call over no trunk (to a registered
 * phone) has its duration under trunk {@value #NO_TRUNK}. No number or account is ever a tag. The meters
 * of a trunk are looked up once per leg or call, and the counters of each status are made once.
 */
public final class TrunkMetrics {
    static final String NO_TRUNK = "none";
    /** Call durations' buckets: short calls apart from conversations, up to the edge's 4 h default cap. */
    private static final Duration[] DURATION_BUCKETS = {Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(30),
            Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(30),
            Duration.ofHours(1), Duration.ofHours(4)};

    private final MeterRegistry registry;
    private final Map<String, Trunk> outbound = new ConcurrentHashMap<>();
    private final Map<String, Trunk> inbound = new ConcurrentHashMap<>();

    TrunkMetrics(MeterRegistry registry) { this.registry = registry; }

    /** The meters of legs dialled to this trunk. */
    Trunk outbound(String trunkId) { return of(outbound, Direction.OUTBOUND, trunkId); }

    /** The meters of calls this trunk sends the edge. */
    Trunk inbound(String trunkId) { return of(inbound, Direction.INBOUND, trunkId); }

    /** An answered call is over: how long it was answered, under the trunk it went over (or came from). */
    void callDuration(Direction direction, String trunkId, long millis) {
        (direction == Direction.INBOUND ? inbound(trunkId) : outbound(trunkId)).duration.record(millis, TimeUnit.MILLISECONDS);
    }

    private Trunk of(Map<String, Trunk> trunks, Direction direction, String trunkId) {
        String id = trunkId == null || trunkId.isEmpty() ? NO_TRUNK : trunkId;
        Trunk t = trunks.get(id);
        return t != null ? t : trunks.computeIfAbsent(id, k -> new Trunk(k, direction.name().toLowerCase(Locale.ROOT)));
    }

    /** One trunk's meters in one direction. */
    final class Trunk {
        private final String trunkId;
        private final String direction;
        private final Counter attempts;
        private final Counter answers;
        private final Timer duration;
        private final Map<Integer, Counter> failures = new ConcurrentHashMap<>();

        private Trunk(String trunkId, String direction) {
            this.trunkId = trunkId;
            this.direction = direction;
            this.attempts = Counter.builder("sipstream.edge.trunk.attempts").tag("trunk", trunkId).tag("direction", direction)
                    .description("INVITEs to (outbound) or calls from (inbound) a trunk").register(registry);
            this.answers = Counter.builder("sipstream.edge.trunk.answers").tag("trunk", trunkId).tag("direction", direction)
                    .description("of the attempts, those answered (ASR = answers / attempts)").register(registry);
            this.duration = Timer.builder("sipstream.edge.call.duration").tag("trunk", trunkId).tag("direction", direction)
                    .description("answered calls' talk time when they end (ACD = sum / count)")
                    .serviceLevelObjectives(DURATION_BUCKETS).register(registry);
        }

        void attempt() { attempts.increment(); }

        /** The final outcome of an attempt: 2xx is an answer, any other status a failure (0, no final response: 408). */
        void outcome(int status) {
            if (status >= 200 && status < 300) {
                answers.increment();
                return;
            }
            if (status < 200) status = 408;
            Counter c = failures.get(status);
            if (c == null) {
                c = failures.computeIfAbsent(status, s -> Counter.builder("sipstream.edge.trunk.failures")
                        .tag("trunk", trunkId).tag("direction", direction).tag("status", Integer.toString(s))
                        .description("attempts that ended without an answer, by final SIP status").register(registry));
            }
            c.increment();
        }
    }
}
