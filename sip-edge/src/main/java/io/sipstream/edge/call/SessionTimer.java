package io.sipstream.edge.call;

import gov.nist.javax.sip.header.extensions.SessionExpiresHeader;
import io.sipstream.edge.sip.ClientHandler;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import javax.sip.ResponseEvent;
import javax.sip.header.CSeqHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One leg's session timer (RFC 4028). The edge is a B2BUA: each side of a call negotiates its own
 * interval and refresher with its own peer. Where the edge refreshes (the peer has no timer support,
 * or the negotiation says so), it sends a session refresh at half the interval: an UPDATE without a
 * body when the peer allows UPDATE, else a re-INVITE offering again the SDP the edge last sent on the
 * leg; no answer, 408 or 481 ends the call. Where the peer refreshes, a re-INVITE or UPDATE from it
 * must come before the interval less min(32 s, a third of it) has passed, or the call ends. Either way
 * the call ends at the peer's last proof of life (the last request it sent in the dialog, or its last
 * answer to one the edge sent), so it is billed to that point, not to the edge's maximum duration.
 *
 * <p>One task at a time on the edge's timers, re-armed only when a deadline moves earlier (a refresh
 * moves it later: the task then finds it has not come yet and waits again). Runs under the call's lock
 * ({@link #stop} takes it itself; {@link #heard} needs none).
 */
public final class SessionTimer implements ClientHandler {
    private static final Logger log = LoggerFactory.getLogger(SessionTimer.class);
    /** RFC 4028: no session interval below 90 s. Tests run shorter ones ({@code EdgeConfig.from(Settings, int)}). */
    public static final int RFC_MIN_SE = 90;
    /** The longest interval the edge grants or takes from a peer: a day. */
    public static final int MAX_INTERVAL = 86_400;
    /** A refresh that crossed another request (491) or could not be sent is tried again this much later. */
    private static final long RETRY_MILLIS = 2_000;
    /** RFC 3261's T1: a transaction times out after 64 of them (32 s). */
    private static final int T1_MILLIS = 500;

    /** The edge's side of the negotiation, in seconds: the interval it asks for and the longest it grants (0: no session timers), and the shortest it takes. */
    public record Settings(int expires, int minSe) {
        public boolean enabled() { return expires > 0; }
    }

    /**
     * What the edge answers a request of the peer's with (the edge as UAS, RFC 4028 section 9): the interval
     * and who refreshes, or, for a peer that supports timers and asked for less than the edge's Min-SE, the
     * Min-SE of the 422 it is refused with ({@code tooSmall} above 0).
     */
    record Answer(int interval, boolean edgeRefreshes, boolean peerSupports, int tooSmall) {
        boolean refused() { return tooSmall > 0; }
    }

    private final B2buaCall call;
    private final CallLeg leg;
    private final Settings settings;
    private int interval;
    private boolean edgeRefreshes;
    private boolean peerSupports;
    private boolean peerAllowsUpdate;
    /** When the session was last refreshed (negotiated, or a refresh either way succeeded). */
    private long lastRefresh;
    /** The peer's last proof of life: what the call ends at when the peer is gone. */
    private volatile long lastHeard;
    private ScheduledFuture<?> task;
    private long taskDue;
    /** A refresh of the edge's is in flight (and whether it is a re-INVITE, which another INVITE must not cross). */
    private boolean refreshing;
    private boolean refreshingByInvite;
    private boolean started;
    private boolean stopped;

    private SessionTimer(B2buaCall call, CallLeg leg, Settings settings, int interval, boolean edgeRefreshes, boolean peerSupports,
                         boolean peerAllowsUpdate) {
        this.call = call;
        this.leg = leg;
        this.settings = settings;
        this.interval = interval;
        this.edgeRefreshes = edgeRefreshes;
        this.peerSupports = peerSupports;
        this.peerAllowsUpdate = peerAllowsUpdate;
    }

    // ---- negotiation

    /** The caller's leg, answered: the timer its INVITE negotiates (a Session-Expires below the edge's Min-SE was refused 422 before). */
    static SessionTimer answering(B2buaCall call, CallLeg leg, Request invite, Settings settings) {
        Answer a = answer(invite, settings);
        int interval = a.refused() ? settings.minSe() : a.interval();
        return new SessionTimer(call, leg, settings, interval, a.edgeRefreshes(), a.peerSupports(), SessionHeaders.allowsUpdate(invite));
    }

    /** A dialled leg, answered: the timer its 2xx says, to an INVITE that asked for {@code asked} seconds. */
    static SessionTimer answered(B2buaCall call, CallLeg leg, Response ok, int asked, Settings settings) {
        SessionTimer t = new SessionTimer(call, leg, settings, asked, true, SessionHeaders.supports(ok), SessionHeaders.allowsUpdate(ok));
        t.adopt(ok);
        return t;
    }

    /**
     * RFC 4028 section 9: the edge grants what the peer asks for, at most its own interval and never below
     * either side's Min-SE; a peer that supports timers and asks for less than the edge's Min-SE is refused
     * (422); one that does not could not read that refusal, so its interval is raised instead. The peer
     * refreshes when it asks to (refresher=uac); otherwise the edge does, so it learns itself when the peer is gone.
     */
    static Answer answer(Request request, Settings settings) {
        boolean supports = SessionHeaders.supports(request);
        SessionExpiresHeader se = SessionHeaders.sessionExpires(request);
        if (se != null && se.getExpires() < settings.minSe() && supports) return new Answer(0, true, true, settings.minSe());
        int asked = se == null ? settings.expires() : se.getExpires();
        int floor = Math.max(settings.minSe(), Math.min(SessionHeaders.minSe(request), MAX_INTERVAL));
        int interval = Math.min(Math.max(Math.min(asked, settings.expires()), floor), MAX_INTERVAL);
        boolean peerRefreshes = supports && se != null && "uac".equalsIgnoreCase(se.getRefresher());
        return new Answer(interval, !peerRefreshes, supports, 0);
    }

    /** The Min-SE of the 422 an INVITE is refused with, or 0 when the edge takes its Session-Expires. */
    static int tooSmall(Request invite, Settings settings) {
        if (!settings.enabled()) return 0;
        return answer(invite, settings).tooSmall();
    }

    /**
     * A 2xx to a request the edge sent with its Session-Expires: the peer's word on the interval and who refreshes.
     * One without Session-Expires comes from a peer that runs no timer: the edge refreshes, at the interval it asked.
     */
    private void adopt(Response ok) {
        SessionExpiresHeader se = SessionHeaders.sessionExpires(ok);
        if (se != null) {
            interval = Math.min(Math.max(se.getExpires(), settings.minSe()), MAX_INTERVAL);
            edgeRefreshes = !"uas".equalsIgnoreCase(se.getRefresher());
            peerSupports = true;
        } else {
            edgeRefreshes = true; // the peer runs no timer: the edge keeps checking the leg itself
        }
        if (SessionHeaders.hasAllow(ok)) peerAllowsUpdate = SessionHeaders.allowsUpdate(ok);
    }

    // ---- the headers

    /** This leg's Session-Expires, Min-SE and Supported: timer on a request the edge sends in the dialog (the edge is its UAC). */
    void addTo(Request request, HeaderFactory headers) {
        SessionHeaders.offer(request, interval, edgeRefreshes ? "uac" : "uas", settings.minSe(), headers);
    }

    /** This leg's Session-Expires on a 2xx the edge answers the peer with (the edge is its UAS); Require: timer when the peer supports it. */
    void addTo(Response ok, HeaderFactory headers) {
        // Require: a must when the peer refreshes (it has to know it does), and what RFC 4028 asks whenever it supports timers
        SessionHeaders.grant(ok, interval, edgeRefreshes ? "uas" : "uac", peerSupports, headers);
    }

    // ---- what the leg hears

    /** The peer sent a request in the dialog, or answered one: it is alive. Any thread. */
    void heard(long now) {
        if (now > lastHeard) lastHeard = now;
    }

    long lastHeard() { return lastHeard; }

    int interval() { return interval; }

    boolean edgeRefreshes() { return edgeRefreshes; }

    /**
     * A re-INVITE or UPDATE from the peer: a refresh, negotiated like an INVITE (section 9). Refused when it asks
     * for less than the edge's Min-SE (the answer names the 422's Min-SE); else the leg's timer starts over from now.
     */
    Answer peerRefresh(Request request, long now) {
        Answer a = answer(request, settings);
        heard(now);
        if (a.refused()) return a;
        interval = a.interval();
        edgeRefreshes = a.edgeRefreshes();
        peerSupports = a.peerSupports();
        if (SessionHeaders.hasAllow(request)) peerAllowsUpdate = SessionHeaders.allowsUpdate(request);
        refreshed(now);
        return a;
    }

    /** A re-INVITE or UPDATE the edge relayed on this leg (with this leg's Session-Expires) was answered 2xx: a refresh. */
    void peerAccepted(Response ok, long now) {
        heard(now);
        adopt(ok);
        refreshed(now);
    }

    /** Whether a re-INVITE of the edge's is in flight on the leg (another INVITE must not cross it: 491). */
    boolean reinviting() { return refreshing && refreshingByInvite; }

    // ---- the timer

    /** Arms the timer from the answer ({@code now}). */
    void start(long now) {
        if (started || stopped) return;
        started = true;
        lastRefresh = now;
        heard(now);
        arm(dueAt(), now);
    }

    /** The leg is over: no more refreshes or deadline. Also from a SIP thread (a BYE from the peer). */
    void stop() {
        synchronized (call) {
            stopped = true;
            if (task != null) task.cancel(false);
            task = null;
        }
    }

    private void refreshed(long now) {
        lastRefresh = now;
        if (!started || stopped || refreshing) return;
        long due = dueAt();
        if (task == null || due < taskDue) arm(due, now); // a later deadline is found by the task when it fires
    }

    /** When the edge sends its next refresh, or when the peer's refresh is overdue (RFC 4028 section 10). */
    private long dueAt() {
        long ms = interval * 1000L;
        return edgeRefreshes ? lastRefresh + ms / 2 : lastRefresh + ms - Math.min(32_000, ms / 3);
    }

    private void arm(long due, long now) {
        if (task != null) task.cancel(false);
        taskDue = due;
        task = call.scheduler().after(Duration.ofMillis(Math.max(0, due - now)), this::fire);
    }

    private void fire() {
        synchronized (call) {
            task = null;
            if (stopped || refreshing) return;
            long now = System.currentTimeMillis();
            long due = dueAt();
            if (edgeRefreshes && now - lastHeard > interval * 1000L) {
                // refreshes that could not be sent (or crossed the peer's requests) for a whole interval: the session is over
                expire("was not heard of for the session interval of " + interval + " s");
            } else if (now < due) {
                arm(due, now);
            } else if (edgeRefreshes) {
                refresh(now);
            } else {
                expire("did not refresh the session within its interval of " + interval + " s");
            }
        }
    }

    private void refresh(long now) {
        boolean byUpdate = peerAllowsUpdate || !leg.hasSentSdp();
        try {
            leg.sendSessionRefresh(byUpdate, this, retransmitMillis());
            refreshing = true;
            refreshingByInvite = !byUpdate;
        } catch (Exception e) {
            log.debug("call {}: session refresh not sent: {}", call.callId(), e.toString());
            arm(now + RETRY_MILLIS, now);
        }
    }

    /**
     * T1 of a refresh's transaction: RFC 3261's 500 ms, so it times out after 32 s, which is within the half
     * interval left for every interval RFC 4028 allows; shorter only for the shorter intervals of tests.
     */
    int retransmitMillis() { return (int) Math.max(1, Math.min(T1_MILLIS, interval * 1000L / 2 / 64)); }

    private void expire(String why) {
        stop();
        call.sessionExpired(leg, lastHeard, why);
    }

    // ---- the answers to the edge's refreshes

    @Override
    public void onResponse(ResponseEvent event) throws Exception {
        Response response = event.getResponse();
        int status = response.getStatusCode();
        if (status < 200) return;
        boolean invite = ((CSeqHeader) response.getHeader(CSeqHeader.NAME)).getMethod().equals(Request.INVITE);
        synchronized (call) {
            if (invite && status < 300 && event.getDialog() != null) {
                event.getDialog().sendAck(event.getDialog().createAck(((CSeqHeader) response.getHeader(CSeqHeader.NAME)).getSeqNumber()));
            }
            refreshing = false;
            if (stopped) return;
            long now = System.currentTimeMillis();
            if (status == Response.REQUEST_TIMEOUT || status == Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST) {
                expire("answered a session refresh " + status);
                return;
            }
            heard(now);
            int theirMin = SessionHeaders.minSe(response);
            if (status == SessionHeaders.SESSION_INTERVAL_TOO_SMALL && theirMin > interval && theirMin <= MAX_INTERVAL) {
                interval = theirMin; // RFC 4028 section 7.4: ask again with the peer's minimum
                refresh(now);
            } else if (!invite && (status == Response.METHOD_NOT_ALLOWED || status == Response.NOT_IMPLEMENTED)) {
                peerAllowsUpdate = false;
                if (leg.hasSentSdp()) refresh(now);
                else refreshed(now);
            } else if (status == Response.REQUEST_PENDING) {
                arm(now + RETRY_MILLIS, now); // crossed a request of the peer's: again shortly
            } else {
                // a 2xx refreshed the session; any other answer still shows the peer is there: again at the next half interval
                if (status < 300) adopt(response);
                refreshed(now);
            }
        }
    }

    @Override
    public void onTimeout() {
        synchronized (call) {
            refreshing = false;
            if (!stopped) expire("did not answer a session refresh");
        }
    }
}
