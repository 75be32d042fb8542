package io.sipstream.router.verdicts;

import io.sipstream.avro.RoutingVerdict;

/** Told of every verdict the router writes (metrics); called on a stream thread, so it must be quick. */
@FunctionalInterface
public interface VerdictListener {
    VerdictListener NONE = verdict -> { };

    void onVerdict(RoutingVerdict verdict);
}
