package io.sipstream.router.topology;

import io.sipstream.router.numbers.BarredPrefixes;
import io.sipstream.router.numbers.EmergencyNumbers;
import io.sipstream.router.verdicts.VerdictListener;
import io.sipstream.schemas.serde.SerdeConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything the routing topology is built from.
 *
 * @param serdes          the Schema Registry the Avro serdes use
 * @param barred          destinations no account may call
 * @param inboundRegion   region in which inbound dialled numbers without a country code are read
 * @param pendingMaxAge   how long a routed or ringing call counts against its account's
 *                        concurrency without news from the edge
 * @param liveMaxAge      how long an answered call counts without news (an INTERIM renews it)
 * @param sweepInterval   how often expired live calls and prepaid holds are deleted (wall clock)
 * @param prepaidMaxDuration the longest cap a prepaid call gets, so the most of a balance one call
 *                        holds (the edge hangs every call up at {@code edge.max.call.duration} anyway)
 * @param listener        told of every verdict (metrics)
 * @param emergencyNumbers the operator's emergency numbers, on top of each account's region's
 * @param emergencyTrunk  the operator's emergency trunk, for accounts without one; null: none
 */
public record RouterOptions(SerdeConfig serdes, BarredPrefixes barred, String inboundRegion, Duration pendingMaxAge,
                            Duration liveMaxAge, Duration sweepInterval, Duration prepaidMaxDuration, VerdictListener listener,
                            EmergencyNumbers emergencyNumbers, String emergencyTrunk) {
    public static final Duration DEFAULT_PENDING_MAX_AGE = Duration.ofMinutes(5);
    public static final Duration DEFAULT_LIVE_MAX_AGE = Duration.ofHours(6);
    public static final Duration DEFAULT_SWEEP_INTERVAL = Duration.ofSeconds(30);
    /** The edge's default {@code edge.max.call.duration}. */
    public static final Duration DEFAULT_PREPAID_MAX_DURATION = Duration.ofHours(4);

    public RouterOptions {
        Objects.requireNonNull(serdes, "serdes");
        Objects.requireNonNull(barred, "barred");
        Objects.requireNonNull(inboundRegion, "inboundRegion");
        Objects.requireNonNull(pendingMaxAge, "pendingMaxAge");
        Objects.requireNonNull(liveMaxAge, "liveMaxAge");
        Objects.requireNonNull(sweepInterval, "sweepInterval");
        Objects.requireNonNull(prepaidMaxDuration, "prepaidMaxDuration");
        if (listener == null) listener = VerdictListener.NONE;
        if (emergencyNumbers == null) emergencyNumbers = EmergencyNumbers.forRegion(inboundRegion);
    }

    /** Without an emergency trunk, the emergency numbers of the operator's region ({@code inboundRegion}). */
    public RouterOptions(SerdeConfig serdes, BarredPrefixes barred, String inboundRegion, Duration pendingMaxAge,
                         Duration liveMaxAge, Duration sweepInterval, Duration prepaidMaxDuration, VerdictListener listener) {
        this(serdes, barred, inboundRegion, pendingMaxAge, liveMaxAge, sweepInterval, prepaidMaxDuration, listener, null, null);
    }

    /** Defaults everywhere but the registry: the shipped barred list, inbound numbers read in US. */
    public static RouterOptions defaults(SerdeConfig serdes) {
        return new RouterOptions(serdes, BarredPrefixes.defaults(), "US", DEFAULT_PENDING_MAX_AGE, DEFAULT_LIVE_MAX_AGE,
                DEFAULT_SWEEP_INTERVAL, DEFAULT_PREPAID_MAX_DURATION, VerdictListener.NONE);
    }

    public RouterOptions withListener(VerdictListener l) {
        return new RouterOptions(serdes, barred, inboundRegion, pendingMaxAge, liveMaxAge, sweepInterval, prepaidMaxDuration, l,
                emergencyNumbers, emergencyTrunk);
    }

    public RouterOptions withBarred(BarredPrefixes b) {
        return new RouterOptions(serdes, b, inboundRegion, pendingMaxAge, liveMaxAge, sweepInterval, prepaidMaxDuration, listener,
                emergencyNumbers, emergencyTrunk);
    }

    public RouterOptions withEmergency(EmergencyNumbers numbers, String trunk) {
        return new RouterOptions(serdes, barred, inboundRegion, pendingMaxAge, liveMaxAge, sweepInterval, prepaidMaxDuration, listener,
                numbers, trunk);
    }

    public RouterOptions withPrepaidMaxDuration(Duration d) {
        return new RouterOptions(serdes, barred, inboundRegion, pendingMaxAge, liveMaxAge, sweepInterval, d, listener,
                emergencyNumbers, emergencyTrunk);
    }
}
