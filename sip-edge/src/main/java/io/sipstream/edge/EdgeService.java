package io.sipstream.edge;

import io.sipstream.edge.auth.AccountDirectory;
import io.sipstream.edge.auth.AuthBans;
import io.sipstream.edge.auth.AuthMetrics;
import io.sipstream.edge.auth.DigestAuth;
import io.sipstream.edge.auth.NonceStore;
import io.sipstream.edge.auth.RateLimiter;
import io.sipstream.edge.auth.RequestGuard;
import io.sipstream.edge.auth.SipAuthenticator;
import io.sipstream.edge.auth.CarrierMatch;
import io.sipstream.edge.auth.TrunkAllowList;
import io.sipstream.edge.bus.EdgeBus;
import io.sipstream.edge.call.B2buaCall;
import io.sipstream.edge.call.CallRegistry;
import io.sipstream.edge.call.CallReports;
import io.sipstream.edge.call.CallScheduler;
import io.sipstream.edge.call.CallStarter;
import io.sipstream.edge.call.CancelHandler;
import io.sipstream.edge.call.Dialling;
import io.sipstream.edge.call.EdgeMetrics;
import io.sipstream.edge.call.InviteHandler;
import io.sipstream.edge.call.LostCallHangup;
import io.sipstream.edge.call.RouterClient;
import io.sipstream.edge.livecalls.LiveCallsApi;
import io.sipstream.edge.log.CallMdc;
import io.sipstream.edge.media.MediaRelay;
import io.sipstream.edge.overload.QueueDelayShedder;
import io.sipstream.edge.overload.SetupLimiter;
import io.sipstream.edge.registrar.Bindings;
import io.sipstream.edge.registrar.HoldingEdge;
import io.sipstream.edge.relay.PathRelay;
import io.sipstream.edge.relay.PeerLink;
import io.sipstream.edge.relay.PeerSignature;
import io.sipstream.edge.registrar.Registrar;
import io.sipstream.edge.registrar.RegistrarMetrics;
import io.sipstream.edge.sip.CheckedMessageParserFactory;
import io.sipstream.edge.sip.EdgeSipListener;
import io.sipstream.edge.sip.QueueDelayValve;
import io.sipstream.edge.sip.StatelessChallenges;
import io.sipstream.edge.sip.SipEndpoint;
import io.sipstream.edge.sip.SipResponder;
import io.sipstream.edge.sip.SipSource;
import io.sipstream.edge.sip.SipStackProperties;
import io.sipstream.edge.sip.StoreExecutor;
import io.sipstream.edge.sip.tcp.ConnectionLimits;
import io.sipstream.edge.sip.tcp.GuardedProcessorFactory;
import io.sipstream.edge.trunk.TrunkCredentialStore;
import io.sipstream.edge.trunk.TrunkDirectory;
import io.sipstream.edge.trunk.TrunkHealth;
import io.sipstream.edge.trunk.TrunkRegistrations;
import io.javalin.openapi.HttpMethod;
import io.javalin.openapi.OpenApi;
import io.javalin.openapi.OpenApiContent;
import io.javalin.openapi.OpenApiParam;
import io.javalin.openapi.OpenApiResponse;
import io.sipstream.platform.ServiceContext;
import io.sipstream.platform.health.HealthRegistry.Status;
import io.sipstream.platform.http.ApiException;
import io.sipstream.platform.redis.RedisKeys;
import io.sipstream.platform.secrets.SecretBox;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.sip.message.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;

/**
 * The SIP edge: the JAIN-SIP B2BUA, the registrar and the trunk client, wired to Kafka (attempts,
 * verdicts, events, trunks, blocks: {@link EdgeBus}) and Redis (credentials, bindings). {@link #start}
 * returns once SIP listens, with the verdict partition positioned and the trunk table read.
 */
public final class EdgeService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EdgeService.class);
    private final Deque<AutoCloseable> closers = new ArrayDeque<>();
    private SipEndpoint sip;
    private CallRegistry calls;
    private TrunkDirectory trunks;
    private TrunkHealth health;
    private ScheduledThreadPoolExecutor timers;
    private EdgeBus bus;
    private PathRelay pathRelay;
    private volatile boolean crashed;

    private EdgeService() {}

    public static EdgeService start(EdgeConfig config, ServiceContext ctx) throws Exception {
        EdgeService service = new EdgeService();
        try {
            service.boot(config, ctx);
            return service;
        } catch (Exception e) {
            service.close();
            throw e;
        }
    }

    private void boot(EdgeConfig config, ServiceContext ctx) throws Exception {
        String edgeId = Integer.toString(config.edgeId());
        calls = new CallRegistry();
        ctx.admin().routes(new LiveCallsApi(calls, Clock.systemUTC())::mount); // this edge's calls: /v1/calls
        trunks = new TrunkDirectory();
        TrunkAllowList allowList = new TrunkAllowList();
        trunks.onChange(d -> allowList.rebuild(d.all()));
        bus = EdgeBus.start(config.kafka(), config.edgeId(), config.createTopics(), config.journalDir(), config.eventsQueueCapacity(),
                config.verdictTimeout(), calls, trunks);
        closers.push(bus); // last: the events of the calls a stop ends go out before it
        bus.bindMetrics(ctx.metrics());
        UnifiedJedis redis = config.redis().connect();
        closers.push(redis);
        RedisKeys keys = new RedisKeys(config.redis().prefix());

        timers = new ScheduledThreadPoolExecutor(2, Thread.ofPlatform().daemon().name("edge-timer-", 0).factory());
        // Every answered call arms a maximum-duration timer (4 h by default) and cancels it when it ends. A
        // cancelled task stays queued until its time unless removed, and with it the call it refers to:
        // memory that grew with every call for 4 hours.
        timers.setRemoveOnCancelPolicy(true);
        closers.push(timers::shutdownNow);
        StoreExecutor io = new StoreExecutor(config.ioMaxTasks());
        closers.push(io);
        closers.push(bus::stopFollowing); // before the executors a verdict or a block would schedule on
        CallScheduler scheduler = new CallScheduler(timers, io);

        SetupLimiter overload = new SetupLimiter(config.overload());
        EdgeMetrics metrics = new EdgeMetrics(ctx.metrics(), calls, overload);
        metrics.callEvents(bus.eventBacklog(), bus::eventsUnpublished);

        sip = SipEndpoint.open(endpointSpec(config));
        closers.push(sip);
        SipResponder responder = new SipResponder(sip);
        QueueDelayShedder queueShedder = new QueueDelayShedder(config.overloadQueueDelay(), config.overloadQueueDelaySustain());
        QueueDelayValve valve = QueueDelayValve.of(sip.stack());
        valve.start(queueShedder, responder, config.retryAfterSeconds());
        StatelessChallenges challenged = new StatelessChallenges();
        valve.absorbResendsOf(challenged);
        metrics.sipLayer(queueShedder, valve);
        CheckedMessageParserFactory parsers = CheckedMessageParserFactory.of(sip.stack());
        metrics.sipTransport(parsers == null ? null : parsers.malformed(), GuardedProcessorFactory.guardOf(sip.stack()));
        TrunkCredentialStore trunkCredentials = new TrunkCredentialStore(redis, keys,
                config.secretsKey() == null ? null : new SecretBox(config.secretsKey()));
        Bindings bindings = new Bindings(redis, keys);
        // edges relay to each other's phones only with a shared secret; without it each rings only its own (as before)
        PeerSignature peerSignature = config.relaysBetweenEdges() ? new PeerSignature(config.peerSecret()) : null;
        pathRelay = new PathRelay(sip, bindings, io, peerSignature, config.edgeId(), config.peerAddress(),
                config.maxCallDuration().isZero() ? Duration.ofDays(1) : config.maxCallDuration().plusMinutes(5), ctx.metrics());
        health = new TrunkHealth(sip, config.targetTimeout(), config.trunkDownAfter(), ctx.metrics());
        closers.push(health); // before SIP closes: no probe goes out on a closed stack
        MediaRelay relay = config.media().relay();
        if (relay != null) {
            closers.push(relay);
            log.info("media: anchored calls go through rtpengine at {}", relay.engines().instances());
        }
        CallStarter starter = new CallStarter(sip, responder, calls, bus.blocks(), scheduler, metrics,
                new RouterClient(bus.attempts(), calls, metrics, scheduler, config.verdictTimeout()),
                new CallReports(bus.events(), edgeId, config.progressEvents(), metrics.trunks()),
                new Dialling(sip, responder, trunks, trunkCredentials, bindings, scheduler, config.targetTimeout(), health,
                        new PeerLink(config.edgeId(), peerSignature)),
                config.retryAfterSeconds(), config.interimInterval(), config.maxCallDuration(), config.sessionTimers(),
                relay);

        NonceStore nonces = new NonceStore(config.nonceTtl());
        AuthBans bans = new AuthBans(config.banAfter(), config.banSourceUsers(), config.banDuration());
        // a REGISTER unanswered for as long as a call waits on a trunk is retried
        TrunkRegistrations registrations = new TrunkRegistrations(sip, trunkCredentials, timers, io, config.upstreamRegisterExpires(),
                config.targetTimeout());
        closers.push(registrations);
        CarrierMatch carriers = CarrierMatch.of(allowList, (source, request) -> registrations.trunkIdOf(request, source.ip(), source.port()));
        // the valve serves a caller's first INVITE queued before the wait grew (its 401 is cheap); a trunk's is not
        // challenged but served in full, so past the threshold the valve refuses it as it does an answer to a challenge
        valve.challenges(r -> r.getPeerPacketSourceAddress() != null && carriers.trunkIdOf(new SipSource(r.getPeerPacketSourceAddress().getHostAddress(),
                r.getPeerPacketSourcePort(), "udp"), r) == null);
        RequestGuard guard = new RequestGuard(new RateLimiter(config.rateLimitPerSecond()), new RateLimiter(config.trunkRateLimitPerSecond()),
                bans, carriers);
        DigestAuth digest = new DigestAuth(new AccountDirectory(redis, keys, config.sipDomain()), nonces, config.sipDomain(), sip.headers(),
                config.authAlgorithms());
        SipAuthenticator authenticator = new SipAuthenticator(digest, bans, carriers, responder, System::currentTimeMillis,
                new AuthMetrics(ctx.metrics(), bans, guard), challenged);

        EdgeSipListener listener = new EdgeSipListener(sip, guard)
                .on(Request.INVITE, new InviteHandler(sip, responder, calls, overload, bus.eventBacklog(), scheduler, metrics,
                        bus.blocks(), starter, authenticator, carriers, edgeId, config.edgeId(),
                        config.retryAfterSeconds()))
                .on(Request.CANCEL, new CancelHandler(sip, responder, calls, metrics))
                .on(Request.REGISTER, new Registrar(sip, authenticator, bindings, io,
                        config.registrarMinExpires(), config.registrarMaxExpires(), config.registrarMaxContacts(),
                        config.retryAfterSeconds(), new RegistrarMetrics(ctx.metrics()),
                        peerSignature == null ? null : new HoldingEdge(config.edgeId(), config.peerAddress())))
                .passThrough(pathRelay);
        sip.start(listener);
        closers.push(this::endAllCalls);
        new LostCallHangup(sip).hangUp(bus.lostCallDialogs()); // the carriers' legs a crash left running

        trunks.onChange(d -> registrations.sync(d.all()));
        registrations.sync(trunks.all());
        trunks.onChange(d -> health.sync(d.all()));
        health.sync(trunks.all());
        ctx.admin().documentation(LiveCallsApi.DOCUMENT).routes(app -> app.get("/v1/trunks/{id}/health", c -> c.json(trunkHealth(c.pathParam("id")))));
        allowList.rebuild(trunks.all());

        timers.scheduleAtFixedRate(() -> {
            long now = System.currentTimeMillis();
            nonces.purge(now);
            guard.purge();
            pathRelay.purge(now);
        }, 30, 30, TimeUnit.SECONDS);
        long beat = config.journalHeartbeat().toMillis();
        timers.scheduleAtFixedRate(() -> bus.heartbeat(System.currentTimeMillis()), beat, beat, TimeUnit.MILLISECONDS);

        // the one check a restart mends is SIP itself; Kafka or Redis down makes the edge unready, not dead
        ctx.health().registerLiveness("sip-edge.sip", () -> Status.up("listening on " + sip.ports() + " at " + sip.advertisedHost()));
        ctx.health().register("sip-edge.kafka", bus::health);
        ctx.health().register("sip-edge.redis", () -> {
            String pong = redis.ping();
            return "PONG".equalsIgnoreCase(pong) ? Status.up("PONG") : Status.down("PING answered " + pong);
        });
        // a provider refusing our registration is reported, not a reason to take the whole edge out of service
        ctx.health().register("sip-edge.upstream-registrations", () -> Status.up(registrations.report().toString()));
        closers.push(() -> {
            for (String check : new String[] {"sip-edge.sip", "sip-edge.kafka", "sip-edge.redis", "sip-edge.upstream-registrations"}) {
                ctx.health().unregister(check);
            }
        });
        log.info("SIP edge {} listening on {} {} (advertised as {}), domain {}", edgeId, config.sipHost(), sip.ports(),
                sip.advertisedHost(), config.sipDomain());
    }

    static SipEndpoint.Spec endpointSpec(EdgeConfig config) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (String t : config.transports()) ports.put(t, config.sipPort());
        Properties props = SipStackProperties.build(new SipStackProperties.Limits(config.sipThreads(), config.maxMessageSize(),
                config.maxServerTransactions(), config.maxClientTransactions(), withinDescriptorLimit(config.tcpConnections()),
                config.udpReceiveBuffer()));
        int granted = SipStackProperties.grantedUdpReceiveBuffer(config.udpReceiveBuffer());
        if (granted >= 0 && granted < config.udpReceiveBuffer()) {
            log.warn("the kernel grants SIP's UDP socket a receive buffer of {} bytes, not the {} of edge.sip.udp.receive.buffer: "
                    + "datagrams arriving during a pause are dropped (raise net.core.rmem_max, e.g. sysctl -w net.core.rmem_max={})",
                    granted, config.udpReceiveBuffer(), config.udpReceiveBuffer());
        }
        if (config.tlsEnabled()) {
            ports.put("tls", config.tlsPort());
            SipStackProperties.addTls(props, config.tlsKeystore(), config.tlsKeystorePassword(), config.tlsTrustCaFile());
        }
        if (config.wsEnabled()) ports.put("ws", config.wsPort());
        if (config.wssEnabled()) ports.put("wss", config.wssPort());
        return new SipEndpoint.Spec("sipstream-edge-" + config.edgeId() + "-" + System.nanoTime(), config.sipHost(),
                config.advertisedHost(), ports, props, "sipstream");
    }

    /**
     * The connection limits, the total lowered to what the process' file descriptor limit leaves after a reserve
     * for everything else (Kafka, Redis, the journal, connections to trunks): past it accept() fails, and JAIN-SIP's
     * selector retries it in a loop.
     */
    static ConnectionLimits withinDescriptorLimit(ConnectionLimits limits) {
        long descriptors = java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : -1;
        if (descriptors <= 0) return limits;
        int room = (int) Math.min(Integer.MAX_VALUE, descriptors > 2048 ? descriptors - 1024 : descriptors / 2);
        if (limits.maxConnections() <= room) return limits;
        log.warn("edge.sip.max.tcp.connections is {}, but the process may open {} files: at most {} TCP and TLS connections are "
                + "taken (raise the limit, e.g. ulimit -n or LimitNOFILE)", limits.maxConnections(), descriptors, room);
        return new ConnectionLimits(room, limits.maxPerSource(), limits.messageTimeout(), limits.idleTimeout());
    }

    /** The guard of the connections peers open over TCP, TLS, WS and WSS (null when the edge listens on none of them). */
    public io.sipstream.edge.sip.tcp.ConnectionGuard connectionGuard() { return GuardedProcessorFactory.guardOf(sip.stack()); }

    /** The ports SIP listens on, by transport. */
    public Map<String, Integer> sipPorts() { return sip.ports(); }

    /** The trunks as this edge knows them from registry.trunks. */
    public TrunkDirectory trunks() { return trunks; }

    /** This edge's view of the trunks' health (its OPTIONS probes). */
    public TrunkHealth trunkHealth() { return health; }

    /** {@code GET /v1/trunks/{id}/health}: 404 for a trunk this edge does not know; a trunk it does not probe is never down. */
    @OpenApi(path = "/v1/trunks/{id}/health", methods = HttpMethod.GET, versions = LiveCallsApi.DOCUMENT, tags = "trunks",
            summary = "A trunk's health as this edge's OPTIONS probes see it",
            pathParams = @OpenApiParam(name = "id", required = true, description = "the trunk id"),
            responses = {@OpenApiResponse(status = "200", description = "the trunk's state", content = @OpenApiContent(from = TrunkHealth.View.class)),
                    @OpenApiResponse(status = "404", description = "a trunk this edge does not know")})
    private TrunkHealth.View trunkHealth(String trunkId) {
        TrunkHealth.View view = health.view(trunkId);
        if (view != null) return view;
        var trunk = trunks.get(trunkId);
        if (trunk == null) throw ApiException.notFound("trunk " + trunkId);
        return new TrunkHealth.View(trunkId, trunk.getEnabled() ? "not probed" : "disabled", null, 0, 0, trunk.getOptionsInterval(),
                null, null, trunk.getEnabled() ? "optionsInterval is 0" : "a disabled trunk is not dialled");
    }

    /** Calls whose requests go to a NAT-ed phone's observed address (for tests and diagnostics: none outlives its dialog). */
    public int natPinnedCalls() { return sip == null ? 0 : sip.pinnedCalls(); }

    /** Dialogs this edge relays between another edge and a phone held here (for tests and diagnostics). */
    public int relayedDialogs() { return pathRelay == null ? 0 : pathRelay.dialogs(); }

    public int callsInProgress() { return calls == null ? 0 : calls.size(); }

    /** The call in progress with this id (the edge's call id or the caller's SIP Call-ID), for tests and diagnostics. */
    public B2buaCall call(String id) { return calls == null ? null : calls.get(id); }

    /** Whether the SIP stack still keeps the server transaction of this Via branch (for tests: how long one lingers). */
    public boolean keepsServerTransaction(String branch) {
        return sip != null && ((gov.nist.javax.sip.stack.SIPTransactionStack) sip.stack())
                .findTransaction(branch.toLowerCase(java.util.Locale.ROOT), true) != null;
    }

    /** Dialogs the SIP stack holds until their ACK is sent (for tests: a call's are released within a second of it). */
    public int dialogsAwaitingAck() {
        return sip != null && ((gov.nist.javax.sip.SipStackImpl) sip.stack()).getTimer() instanceof io.sipstream.edge.sip.RemovingSipTimer t
                ? t.dialogsAwaitingAck() : -1;
    }

    /** Timer tasks queued (the edge's periodic ones and those of calls in progress; a call that ended leaves none). */
    public int queuedTimers() { return timers == null ? 0 : timers.getQueue().size(); }

    /** Calls the journal holds: live, or ended and not yet acknowledged by Kafka. */
    public int journalledCalls() { return bus == null ? 0 : bus.journalledCalls(); }

    /** Ids (edge call ids, SIP Call-IDs, aliases) that still find a call; zero once every call has ended. */
    public int callIdsIndexed() { return calls == null ? 0 : calls.indexedIds(); }

    private void endAllCalls() {
        if (crashed) return;
        // a clean stop hangs up: the calls' ENDED events go out instead of waiting for a restart's journal
        calls.all().forEach(c -> CallMdc.run(c.callId(), () -> c.terminate(503, "edge shutting down")));
    }

    /**
     * Stops as a crash leaves things (for tests of the recovery at the next start): no call is hung up or
     * reported ended, the journal keeps them as they were; only the ports and threads are let go.
     */
    public void closeAsIfCrashed() {
        crashed = true;
        close();
    }

    @Override
    public void close() {
        while (!closers.isEmpty()) {
            try {
                closers.pop().close();
            } catch (Exception e) {
                log.warn("sip-edge did not stop cleanly: {}", e.toString());
            }
        }
    }
}
