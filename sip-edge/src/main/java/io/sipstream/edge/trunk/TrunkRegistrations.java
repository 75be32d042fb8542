package io.sipstream.edge.trunk;

import io.sipstream.avro.Trunk;
import io.sipstream.edge.sip.SipEndpoint;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The upstream registrations of every enabled trunk with register=true and credentials, kept in
 * step with the trunk directory: a new or changed trunk (re)starts its registration, a removed one stops.
 */
public final class TrunkRegistrations implements AutoCloseable {
    private final SipEndpoint sip;
    private final TrunkCredentialStore store;
    private final ScheduledExecutorService timers;
    private final Executor io;
    private final int expires;
    private final java.time.Duration answerWithin;
    private final Map<String, TrunkRegistration> active = new LinkedHashMap<>();
    /** What {@link #trunkIdOf} reads on SIP threads without the lock. */
    private volatile java.util.List<TrunkRegistration> snapshot = java.util.List.of();

    /** {@code answerWithin}: how long a REGISTER may go unanswered before it is retried ({@code edge.target.timeout}). */
    public TrunkRegistrations(SipEndpoint sip, TrunkCredentialStore store, ScheduledExecutorService timers, Executor io, int expires,
                              java.time.Duration answerWithin) {
        this.sip = sip;
        this.store = store;
        this.timers = timers;
        this.io = io;
        this.expires = expires;
        this.answerWithin = answerWithin;
    }

    /** The trunk whose registration this request was sent to (or whose registrar sent it), or null: {@link TrunkRegistration#matches}. */
    public String trunkIdOf(javax.sip.message.Request request, String sourceIp, int sourcePort) {
        for (TrunkRegistration r : snapshot) if (r.matches(request, sourceIp, sourcePort)) return r.trunk().getTrunkId();
        return null;
    }

    public synchronized void sync(Iterable<Trunk> trunks) {
        Map<String, Trunk> wanted = new LinkedHashMap<>();
        for (Trunk t : trunks) if (t.getEnabled() && t.getRegister() && t.getHasCredentials()) wanted.put(t.getTrunkId(), t);
        active.entrySet().removeIf(e -> {
            Trunk now = wanted.get(e.getKey());
            boolean keep = now != null && same(now, e.getValue().trunk());
            if (!keep) e.getValue().stop();
            return !keep;
        });
        for (Trunk t : wanted.values()) {
            if (active.containsKey(t.getTrunkId())) continue;
            TrunkRegistration r = new TrunkRegistration(sip, t, store, timers, io, expires, answerWithin);
            active.put(t.getTrunkId(), r);
            r.start();
        }
        snapshot = java.util.List.copyOf(active.values());
    }

    private static boolean same(Trunk a, Trunk b) {
        return a.getHost().equals(b.getHost()) && a.getPort() == b.getPort() && a.getTransport() == b.getTransport()
                && a.getVersion() == b.getVersion();
    }

    /** trunk id -> status and detail, for /healthz. */
    public synchronized Map<String, String> report() {
        Map<String, String> out = new TreeMap<>();
        active.forEach((id, r) -> out.put(id, r.status() + ": " + r.detail()));
        return out;
    }

    @Override
    public synchronized void close() {
        active.values().forEach(TrunkRegistration::stop);
        active.clear();
        snapshot = java.util.List.of();
    }
}
