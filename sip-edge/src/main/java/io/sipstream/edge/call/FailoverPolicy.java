package io.sipstream.edge.call;

import io.sipstream.avro.Trunk;
import java.util.List;

/**
 * When a failed target lets the call move on to the next one, and what the caller is told when
 * no target is left. Fail over on 5xx, 408 and timeouts (status 0) unless the trunk lists the
 * status among its final codes (486, 600, 603 by default); a trunk's own challenge and a redirect
 * not followed count as that trunk failing.
 */
public final class FailoverPolicy {
    public static final List<Integer> DEFAULT_FINAL = List.of(486, 600, 603);

    public static boolean failsOver(int status, Trunk trunk) {
        List<Integer> finals = trunk == null ? DEFAULT_FINAL : trunk.getFinalCodes();
        if (finals.contains(status)) return false;
        return status == 0 || status == 408 || status >= 500 && status < 600 || status == 401 || status == 407
                || status >= 300 && status < 400;
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
