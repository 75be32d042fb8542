package io.sipstream.edge.trunk;

import io.sipstream.avro.Trunk;
import io.sipstream.edge.sip.ClientHandler;
import io.sipstream.edge.sip.SipEndpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.sip.ClientTransaction;
import javax.sip.ResponseEvent;
import javax.sip.address.SipURI;
import javax.sip.message.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks one trunk whether it is there: an OPTIONS every {@code optionsInterval} seconds. A probe that gets no
 * answer in time (the next probe's time or {@code edge.target.timeout}, whichever is sooner), or a 408 or 5xx,
 * has failed; after {@code downAfter} failures in a row the trunk is down. Any other answer, even 404 or 405,
 * shows a SIP stack alive there: the trunk is up again at once. A trunk not yet probed counts as up.
 */
public final class TrunkProbe implements ClientHandler {
    private static final Logger log = LoggerFactory.getLogger(TrunkProbe.class);

    private final SipEndpoint sip;
    private final Trunk trunk;
    private final ScheduledExecutorService timers;
    private final Duration interval;
    private final Duration timeout;
    private final int downAfter;
    private ScheduledFuture<?> ticks;
    private ScheduledFuture<?> deadline;
    private ClientTransaction outstanding;
    private boolean stopped;
    private volatile boolean up = true;
    private int failuresInARow;
    private String lastResult = "not probed yet";
    private Instant lastProbeAt;
    private Instant lastAnswerAt;
    private Instant since = Instant.now();

    TrunkProbe(SipEndpoint sip, Trunk trunk, ScheduledExecutorService timers, Duration maxWait, int downAfter) {
        this.sip = sip;
        this.trunk = trunk;
        this.timers = timers;
        this.interval = Duration.ofSeconds(trunk.getOptionsInterval());
        this.timeout = interval.compareTo(maxWait) < 0 ? interval : maxWait;
        this.downAfter = downAfter;
    }

    Trunk trunk() { return trunk; }

    /** Whether calls may go to the trunk: up, or not yet found down. Read on the call path without a lock. */
    public boolean up() { return up; }

    synchronized void start() {
        ticks = timers.scheduleAtFixedRate(this::probe, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    synchronized void stop() {
        stopped = true;
        if (ticks != null) ticks.cancel(false);
        if (deadline != null) deadline.cancel(false);
        terminate(outstanding);
        outstanding = null;
    }

    private synchronized void probe() {
        if (stopped) return;
        if (outstanding != null) failed(outstanding, "no answer within " + timeout.toMillis() + " ms");
        try {
            ClientTransaction ct = sip.provider().getNewClientTransaction(options());
            ct.setApplicationData(this);
            outstanding = ct;
            lastProbeAt = Instant.now();
            ct.sendRequest();
            deadline = timers.schedule(() -> timedOut(ct), timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // an address the stack cannot send to (a name that does not resolve, no route) is a failure like silence
            failed(outstanding, "OPTIONS not sent: " + e.getMessage());
        }
    }

    private Request options() throws Exception {
        var h = sip.headers();
        var a = sip.addresses();
        String transport = sip.transportFor(trunk.getTransport().name().toLowerCase(Locale.ROOT));
        SipURI target = a.createSipURI(null, trunk.getHost());
        target.setPort(trunk.getPort());
        if (!transport.equals("udp")) target.setTransportParam(transport);
        SipURI edge = sip.uri("sipstream", transport);
        Request r = sip.messages().createRequest(target, Request.OPTIONS, h.createCallIdHeader(sip.newCallId()),
                h.createCSeqHeader(1L, Request.OPTIONS), h.createFromHeader(a.createAddress(edge), Long.toHexString(System.nanoTime())),
                h.createToHeader(a.createAddress(target), null), List.of(sip.via(transport)), h.createMaxForwardsHeader(70));
        r.addHeader(sip.contact(transport));
        r.addHeader(h.createAcceptHeader("application", "sdp"));
        return r;
    }

    @Override
    public synchronized void onResponse(ResponseEvent event) {
        int status = event.getResponse().getStatusCode();
        if (status < 200 || stopped || event.getClientTransaction() != outstanding) return;
        if (status == 408 || status >= 500 && status < 600) {
            failed(outstanding, "answered " + status + " " + event.getResponse().getReasonPhrase());
            return;
        }
        answered(status + " " + event.getResponse().getReasonPhrase());
    }

    @Override
    public synchronized void onTimeout() {
        // the stack's own transaction timeout (after ours, unless the interval is longer): the deadline has counted it
    }

    private synchronized void timedOut(ClientTransaction ct) {
        if (!stopped && ct == outstanding) failed(ct, "no answer within " + timeout.toMillis() + " ms");
    }

    private void answered(String what) {
        done();
        lastAnswerAt = Instant.now();
        lastResult = "answered " + what;
        failuresInARow = 0;
        if (!up) {
            up = true;
            since = lastAnswerAt;
            log.info("trunk {} is up again: it {}", trunk.getTrunkId(), lastResult);
        }
    }

    private void failed(ClientTransaction ct, String why) {
        done();
        terminate(ct);
        lastResult = why;
        failuresInARow++;
        if (up && failuresInARow >= downAfter) {
            up = false;
            since = Instant.now();
            log.warn("trunk {} is down, calls skip it: {} OPTIONS in a row failed, the last: {}", trunk.getTrunkId(),
                    failuresInARow, why);
        }
    }

    private void done() {
        outstanding = null;
        if (deadline != null) deadline.cancel(false);
        deadline = null;
    }

    private static void terminate(ClientTransaction ct) {
        if (ct == null) return;
        ct.setApplicationData(IGNORE); // a late answer is no longer this probe's
        try {
            ct.terminate(); // the stack stops retransmitting the OPTIONS
        } catch (Exception ignored) {
            // already gone
        }
    }

    /** What {@code GET /v1/trunks/{id}/health} shows of this trunk. */
    synchronized TrunkHealth.View view() {
        return new TrunkHealth.View(trunk.getTrunkId(), up ? "up" : "down", since, failuresInARow, downAfter,
                trunk.getOptionsInterval(), lastProbeAt, lastAnswerAt, lastResult);
    }
}
