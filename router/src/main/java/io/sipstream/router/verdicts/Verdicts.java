package io.sipstream.router.verdicts;

import io.sipstream.avro.CallAttempt;
import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.RoutingVerdict;
import io.sipstream.avro.VerdictAction;
import io.sipstream.router.numbers.E164Number;
import java.time.Instant;
import java.util.List;

/** Builds verdicts: every one names the call, the asking edge and when the attempt came in. */
public final class Verdicts {
    public static final int FORBIDDEN = 403;
    public static final int PAYMENT_REQUIRED = 402;
    public static final int NOT_FOUND = 404;
    public static final int TEMPORARILY_UNAVAILABLE = 480;
    public static final int ADDRESS_INCOMPLETE = 484;
    public static final int BUSY_HERE = 486;
    public static final int SERVICE_UNAVAILABLE = 503;
    /** Q.850 cause: no circuit/channel available (every trunk of the route is full). */
    public static final int NO_CIRCUIT_AVAILABLE = 34;

    public static RoutingVerdict reject(CallAttempt attempt, String accountId, int sipStatus, String reason, long now) {
        return reject(attempt, accountId, sipStatus, reason, null, now);
    }

    public static RoutingVerdict reject(CallAttempt attempt, String accountId, int sipStatus, String reason,
                                        E164Number destination, long now) {
        return reject(attempt, accountId, sipStatus, reason, null, destination, now);
    }

    /** A refusal with a Q.850 cause for the caller's Reason header (null: none). */
    public static RoutingVerdict reject(CallAttempt attempt, String accountId, int sipStatus, String reason, Integer q850Cause,
                                        E164Number destination, long now) {
        return base(attempt, accountId, now)
                .setAction(VerdictAction.REJECT)
                .setSipStatus(sipStatus)
                .setReason(reason)
                .setQ850Cause(q850Cause)
                .setDestination(destination == null ? null : destination.e164())
                .setDestinationRegion(destination == null ? null : destination.region())
                .build();
    }

    /** The same call refused after all, keeping what was decided of it (destination, caller ID). */
    public static RoutingVerdict refuse(RoutingVerdict routed, int sipStatus, String reason) {
        return RoutingVerdict.newBuilder(routed)
                .setAction(VerdictAction.REJECT)
                .setSipStatus(sipStatus)
                .setReason(reason)
                .setTargets(List.of())
                .setNoAnswerSeconds(0)
                .setNoAnswerTargets(List.of())
                .setMaxDurationSeconds(null)
                .setQ850Cause(null)
                .build();
    }

    public static RoutingVerdict.Builder route(CallAttempt attempt, String accountId, List<RouteTarget> targets, long now) {
        return base(attempt, accountId, now)
                .setAction(VerdictAction.ROUTE)
                .setSipStatus(0)
                .setTargets(targets);
    }

    // Every field is set: a field left to its schema default costs a deep copy of the default per build.
    private static RoutingVerdict.Builder base(CallAttempt attempt, String accountId, long now) {
        return RoutingVerdict.newBuilder()
                .setCallId(attempt.getCallId())
                .setEdgeId(attempt.getEdgeId())
                .setAccountId(accountId)
                .setReason("")
                .setDestination(null)
                .setDestinationRegion(null)
                .setCallerId(null)
                .setTargets(List.of())
                .setNoAnswerSeconds(0)
                .setNoAnswerTargets(List.of())
                .setMaxDurationSeconds(null)
                .setQ850Cause(null)
                .setEmergency(false)
                .setAttemptReceivedAt(attempt.getReceivedAt())
                .setDecidedAt(Instant.ofEpochMilli(now));
    }

    private Verdicts() {}
}
