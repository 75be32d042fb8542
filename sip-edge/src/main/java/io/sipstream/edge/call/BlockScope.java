package io.sipstream.edge.call;

import io.sipstream.avro.Direction;
import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.TargetKind;
import java.util.List;

/**
 * What billing's block of an account stops, as the router has it: what the account pays for (its
 * outbound calls, and a received call forwarded over a trunk), not the calls it receives. A blocked
 * prepaid account's phones still ring, and its received calls are not hung up.
 */
final class BlockScope {

    /** Whether a block stops dialling this target of a call of this direction. */
    static boolean stops(Direction direction, RouteTarget target) {
        return direction != Direction.INBOUND || target.getKind() == TargetKind.TRUNK;
    }

    /** The targets a block leaves of a verdict's list (all of them, or none, for an outbound call). */
    static List<RouteTarget> left(Direction direction, List<RouteTarget> targets) {
        return targets.stream().filter(t -> !stops(direction, t)).toList();
    }

    private BlockScope() {}
}
