package io.sipstream.edge.call;

import io.sipstream.avro.Trunk;
import java.util.List;

/**
 * When a failed target lets the call move on to the next one, and what the caller is told when
 * no target is left. A trunk's final codes are the failures that stop the hunt (486, 600, 603,
 * 404, 484 and 485 unless the trunk lists its own); any other failure moves on: every other 4xx,
 * 5xx and 6xx, 408, a timeout (status 0), the trunk's own challenge and a redirect not followed.
 * A target that is not a trunk (a phone, a URI) stops on the default codes.
 */
public final class FailoverPolicy {
    /** The registry's default too (number-registry's TrunkService, the Trunk schema's default). */
    public static final List<Integer> DEFAULT_FINAL = List.of(486, 600, 603, 404, 484, 485);

    public static boolean failsOver(int status, Trunk trunk) {
        if (status == 0) return true; // no final response: nothing the trunk said can stop the hunt
        List<Integer> finals = trunk == null ? DEFAULT_FINAL : trunk.getFinalCodes();
        return !finals.contains(status);
    }

    /** The status the caller gets for a target's failure. */
    public static int callerStatus(int status) {
        if (status == 0) return 408;
        if (status == 401 || status == 407) return 503; // the trunk's challenge is not the caller's to answer
        if (status >= 300 && status < 400) return 502; // a redirect the edge does not follow
        return status;
    }

    /** Of two forks' failures, the one to report (RFC 3261 16.7: a 6xx wins, then the lowest class). */
    public static int best(int a, int b) {
        if (a == 0) return b;
        if (b == 0) return a;
        if (a >= 600) return a;
        if (b >= 600) return b;
        return a / 100 <= b / 100 ? a : b;
    }

    private FailoverPolicy() {}
}
