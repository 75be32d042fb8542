package io.sipstream.edge.call;

import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.RoutingVerdict;
import java.util.List;

/**
 * Why the verdict's targets all failed, as a forward of a received call tells it: busy, unavailable (nobody
 * registered, or not reachable now), or a failure. Each picks the verdict's forward targets for it, which the
 * account may or may not have set (then the caller gets the failure as before).
 */
enum ForwardCause {
    BUSY, UNAVAILABLE, FAILURE;

    /** The cause of a hunt's final status; null for the caller's own CANCEL (487), which nothing forwards. */
    static ForwardCause of(int status) {
        return switch (status) {
            case 486, 600, 603 -> BUSY; // 603: the user declined; voicemail takes it as busy
            case 480, 404, 410 -> UNAVAILABLE; // 480 is also what the edge says when no contact is registered
            case 487 -> null;
            default -> FAILURE;
        };
    }

    List<RouteTarget> targets(RoutingVerdict v) {
        return switch (this) {
            case BUSY -> v.getBusyTargets();
            case UNAVAILABLE -> v.getUnavailableTargets();
            case FAILURE -> v.getFailureTargets();
        };
    }
}
