package io.sipstream.edge.call;

import io.sipstream.avro.RouteTarget;
import io.sipstream.avro.TargetKind;
import io.sipstream.avro.Trunk;
import io.sipstream.edge.registrar.Binding;
import io.sipstream.edge.sip.StoreOutage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dials a verdict's targets in failover order until one answers: a TRUNK or URI target is one
 * leg, a REGISTERED target rings every contact of its owner at once (RFC 3261 16.7: the best
 * failure of the group counts). {@link FailoverPolicy} decides whether a failure moves on to the
 * next target; a trunk this edge found down ({@link io.sipstream.edge.trunk.TrunkHealth}) is skipped without a try. The owner (the call itself, or a transfer) hears of progress, the answer, a
 * redirect and the end. Like everything of a call, it runs under the call's lock.
 */
final class Hunt {
    private static final Logger log = LoggerFactory.getLogger(Hunt.class);
    private static final String NOTHING_TRIED = "no target answered";

    /** What a hunt tells the one that started it. */
    interface Owner {
        void onProgress(CalleeLeg leg, Response provisional);

        /** A target answered; the others have been cancelled. */
        void onAnswer(CalleeLeg leg, Response answer);

        /** A 3xx from the only ringing leg: true when the owner follows it (the hunt forgets the leg). */
        boolean onRedirect(CalleeLeg leg, Response redirect);

        /** No target answered: the status and reason for whoever is waiting. */
        void onExhausted(int status, String reason);
    }

    private final B2buaCall call;
    private final Dialling dialling;
    private final Owner owner;
    private final Request offer;
    private final Function<RouteTarget, String> callerId;
    private final Deque<RouteTarget> targets = new ArrayDeque<>();
    private final List<CalleeLeg> ringing = new ArrayList<>();
    private String contactsOwner;
    private RouteTarget currentTarget;
    private String trunkId;
    private int lastStatus;
    private int groupStatus;
    private String lastReason = NOTHING_TRIED;
    private boolean over;

    /**
     * @param offer the request whose body (SDP offer) and Max-Forwards the dialled legs get; null
     *              for a late offer (the legs get no SDP and their 2xx carries the offer)
     */
    Hunt(B2buaCall call, Dialling dialling, Owner owner, Request offer, Function<RouteTarget, String> callerId) {
        this.call = call;
        this.dialling = dialling;
        this.owner = owner;
        this.offer = offer;
        this.callerId = callerId;
    }

    /** Dials these targets (after any tried before); REGISTERED targets without an account ring {@code contactsOwner}'s phones. */
    void start(List<RouteTarget> list, String contactsOwner) {
        this.contactsOwner = contactsOwner;
        over = false;
        targets.clear();
        targets.addAll(list);
        dialNext();
    }

    /** Gives up on what rings now and dials these instead (the no-answer targets). */
    void replace(List<RouteTarget> list, int status, String reason) {
        cancelAll();
        lastStatus = status;
        lastReason = reason;
        start(list, contactsOwner);
    }

    /** Stops every leg still ringing; the hunt is over. */
    void cancelAll() {
        ringing.forEach(CalleeLeg::cancel);
        ringing.clear();
        over = true;
    }

    /** The trunk last dialled (or the one that answered). */
    String trunkId() { return trunkId; }

    List<TargetKind> remaining() { return targets.stream().map(RouteTarget::getKind).toList(); }

    /** Whether a leg ringing now goes over a trunk. */
    boolean ringsTrunk() { return ringing.stream().anyMatch(leg -> leg.trunk() != null); }

    private void dialNext() {
        while (!over) {
            RouteTarget target = targets.poll();
            if (target == null) {
                int status = lastStatus == 0 && lastReason.equals(NOTHING_TRIED) ? 480 : FailoverPolicy.callerStatus(lastStatus);
                over = true;
                owner.onExhausted(status, lastReason);
                return;
            }
            currentTarget = target;
            groupStatus = 0;
            if (dial(target)) return;
        }
    }

    /** Starts ringing one target; false when it cannot be dialled at all (then the next one is tried). */
    private boolean dial(RouteTarget target) {
        try {
            switch (target.getKind()) {
                case TRUNK -> {
                    Trunk trunk = dialling.trunks().get(target.getTrunkId());
                    if (trunk == null || !trunk.getEnabled()) {
                        lastStatus = 503;
                        lastReason = "trunk " + target.getTrunkId() + " is unknown or disabled";
                        return false;
                    }
                    if (dialling.health().isDown(trunk.getTrunkId())) {
                        // its OPTIONS go unanswered: trying it would cost the caller a target timeout for nothing
                        lastStatus = 503;
                        lastReason = "trunk " + trunk.getTrunkId() + " is down (its OPTIONS go unanswered)";
                        return false;
                    }
                    trunkId = trunk.getTrunkId();
                    ring(target, trunk, dialling.sip().addresses().createURI(target.getRequestUri()));
                    return true;
                }
                case URI -> {
                    ring(target, null, dialling.sip().addresses().createURI(target.getRequestUri()));
                    return true;
                }
                case REGISTERED -> {
                    String phonesOf = target.getAccountId() != null ? target.getAccountId() : contactsOwner;
                    dialling.scheduler().offload(() -> {
                        List<Binding> contacts;
                        try {
                            contacts = dialling.bindings().current(phonesOf, System.currentTimeMillis());
                        } catch (RuntimeException e) {
                            if (!StoreOutage.is(e)) throw e;
                            log.warn("call {}: contacts of {} unknown: {}", call.callId(), phonesOf, e.toString());
                            synchronized (call) {
                                noContacts(target, Response.SERVICE_UNAVAILABLE, StoreOutage.REASON);
                            }
                            return;
                        }
                        synchronized (call) {
                            onContacts(target, phonesOf, contacts);
                        }
                    }, () -> noContacts(target, Response.SERVICE_UNAVAILABLE, StoreOutage.REASON)); // under the call's lock still
                    return true;
                }
            }
        } catch (Exception e) {
            log.warn("call {}: target {} cannot be dialled: {}", call.callId(), target.getRequestUri(), e.toString());
            lastStatus = 502;
            lastReason = "target cannot be dialled";
        }
        return false;
    }

    private void onContacts(RouteTarget target, String phonesOf, List<Binding> contacts) {
        if (over || currentTarget != target) return;
        int rung = 0;
        for (Binding b : contacts) {
            if (!dialling.peers().reaches(b)) {
                log.debug("call {}: contact {} is held by edge {}, and edges do not relay (no edge.peer.secret)", call.callId(),
                        b.contact(), b.edgeId());
                continue;
            }
            try {
                ring(target, null, dialling.sip().addresses().createURI(b.contact()), b, phonesOf);
                rung++;
            } catch (Exception e) {
                log.warn("call {}: contact {} cannot be dialled: {}", call.callId(), b.contact(), e.toString());
            }
        }
        if (rung == 0) noContacts(target, Response.TEMPORARILY_UNAVAILABLE, "no registered contact");
    }

    /** A REGISTERED target rang no phone (none bound, or the bindings could not be read): the next target. */
    private void noContacts(RouteTarget target, int status, String reason) {
        if (over || currentTarget != target) return;
        lastStatus = status;
        lastReason = reason;
        dialNext();
    }

    private void ring(RouteTarget target, Trunk trunk, URI uri) throws Exception { ring(target, trunk, uri, null, null); }

    /** @param phonesOf the account whose binding this is (null for a trunk or a URI) */
    private void ring(RouteTarget target, Trunk trunk, URI uri, Binding binding, String phonesOf) throws Exception {
        if (!(uri instanceof SipURI)) throw new IllegalArgumentException("not a SIP URI: " + uri);
        CalleeLeg leg = new CalleeLeg(call, dialling, this, target, trunk, uri, callerId.apply(target), binding, phonesOf);
        ringing.add(leg);
        leg.send(offer);
    }

    // ---- what the dialled legs say (under the call's lock)

    void onProvisional(CalleeLeg leg, Response response) {
        if (!over && ringing.contains(leg)) owner.onProgress(leg, response);
    }

    void onAnswered(CalleeLeg leg, Response response) {
        if (over || !ringing.contains(leg)) {
            leg.ack(null);
            leg.cancel(); // a late answer of a fork that lost, or of a hunt already over
            return;
        }
        ringing.remove(leg);
        cancelAll();
        if (leg.trunk() != null) trunkId = leg.trunk().getTrunkId();
        owner.onAnswer(leg, response);
    }

    void onFailed(CalleeLeg leg, int status, String reason) {
        if (!ringing.remove(leg) || over) return;
        groupStatus = FailoverPolicy.best(groupStatus, status);
        lastStatus = groupStatus;
        lastReason = reason == null || reason.isBlank() ? "target failed with " + status : reason;
        if (!ringing.isEmpty()) return; // other contacts still ring
        if (FailoverPolicy.failsOver(groupStatus, leg.trunk())) {
            dialNext();
        } else {
            over = true;
            owner.onExhausted(FailoverPolicy.callerStatus(groupStatus), lastReason);
        }
    }

    void onRedirect(CalleeLeg leg, Response response) {
        if (over || !ringing.contains(leg)) return;
        if (ringing.size() == 1 && owner.onRedirect(leg, response)) {
            ringing.remove(leg);
            return;
        }
        onFailed(leg, response.getStatusCode(), "redirect not followed");
    }
}
