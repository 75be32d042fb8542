package io.sipstream.edge.call;

import io.sipstream.edge.overload.SetupLimiter;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The calls of this edge by their ids (the edge's call id, the A-leg SIP Call-ID, and any alias a redirect's attempt uses),
 * so verdicts, CANCELs and blocks find their call from any thread; and the INVITEs still being
 * authenticated, so a CANCEL finds those too.
 */
public final class CallRegistry {
    private final Map<String, B2buaCall> byId = new ConcurrentHashMap<>();
    /** Each call and every id it is known by, so removing it touches only its own entries. */
    private final Map<B2buaCall, Set<String>> calls = new ConcurrentHashMap<>();
    private final Map<String, PendingInvite> pending = new ConcurrentHashMap<>();

    /**
     * Registers a call under its own id (the one on every topic) and the caller's SIP Call-ID (which
     * CANCELs and retransmissions carry). False when a call with this SIP Call-ID is in progress.
     */
    public boolean add(B2buaCall call, String sipCallId) {
        if (byId.putIfAbsent(sipCallId, call) != null) return false;
        byId.put(call.callId(), call);
        Set<String> ids = ConcurrentHashMap.newKeySet();
        ids.add(sipCallId);
        ids.add(call.callId());
        calls.put(call, ids);
        return true;
    }

    /** Another id for a call in progress; atomic with {@link #remove}, so an ended call gets none. */
    public void alias(String id, B2buaCall call) {
        calls.computeIfPresent(call, (c, ids) -> {
            ids.add(id);
            byId.put(id, c);
            return ids;
        });
    }

    public B2buaCall get(String id) { return id == null ? null : byId.get(id); }

    public boolean contains(String id) { return byId.containsKey(id); }

    public void remove(B2buaCall call) {
        Set<String> ids = calls.remove(call);
        if (ids != null) for (String id : ids) byId.remove(id, call);
    }

    /** An INVITE answered 100 Trying whose call is not started yet; the latest one of a Call-ID wins (a retry with credentials). */
    PendingInvite expect(String callId, javax.sip.ServerTransaction invite, SetupLimiter.Admission admission) {
        PendingInvite p = new PendingInvite(callId, invite, admission);
        pending.put(callId, p);
        return p;
    }

    PendingInvite pending(String callId) { return callId == null ? null : pending.get(callId); }

    /** The INVITE was answered or its call started. */
    void settled(PendingInvite p) { pending.remove(p.callId(), p); }

    int pendingCount() { return pending.size(); }

    public List<B2buaCall> ofAccount(String accountId) {
        return calls.keySet().stream().filter(c -> accountId.equals(c.accountId())).toList();
    }

    public Collection<B2buaCall> all() { return List.copyOf(calls.keySet()); }

    public int size() { return calls.size(); }

    /** How many ids point at a call (for tests: a call that ended leaves none behind). */
    public int indexedIds() { return byId.size(); }
}
