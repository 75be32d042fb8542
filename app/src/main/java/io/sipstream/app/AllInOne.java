package io.sipstream.app;

import io.sipstream.billing.BillingConfig;
import io.sipstream.billing.BillingService;
import io.sipstream.edge.EdgeConfig;
import io.sipstream.edge.EdgeService;
import io.sipstream.platform.ServiceContext;
import io.sipstream.platform.config.Settings;
import io.sipstream.platform.http.AdminServer;
import io.sipstream.registry.RegistryConfig;
import io.sipstream.registry.RegistryService;
import io.sipstream.router.RouterConfig;
import io.sipstream.router.RouterService;
import io.sipstream.web.console.OperatorConsole;
import io.sipstream.web.portal.PortalConfig;
import io.sipstream.web.portal.SelfServicePortal;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every service of sipstream in one process, on one admin HTTP server, against the Kafka, Schema
 * Registry and Redis named in the settings. Started in dependency order (registry data first, the
 * deciders, then the edge that takes calls) and stopped in reverse.
 */
public final class AllInOne implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AllInOne.class);

    private final ServiceContext context;
    private final Deque<AutoCloseable> started = new ArrayDeque<>();

    private AllInOne(ServiceContext context) { this.context = context; }

    public static AllInOne start(Settings settings) throws Exception {
        AllInOne all = new AllInOne(ServiceContext.create(settings));
        AdminServer admin = all.context.admin();
        try {
            all.started.push(RegistryService.start(RegistryConfig.from(settings), all.context));
            all.started.push(RouterService.start(RouterConfig.from(settings), all.context));
            all.started.push(BillingService.start(BillingConfig.from(settings), all.context));
            all.started.push(EdgeService.start(EdgeConfig.from(settings), all.context));
            // the console calls the registry's, billing's, the router's and the edge's paths: only one process has them all
            OperatorConsole.mount(admin, Clock.systemUTC());
            all.started.push(SelfServicePortal.mount(admin, settings.required("api.key"), PortalConfig.from(settings), Clock.systemUTC()));
            admin.start();
            all.started.push(admin);
            return all;
        } catch (Exception e) {
            all.close();
            throw e;
        }
    }

    public ServiceContext context() { return context; }

    public int httpPort() { return context.admin().port(); }

    @Override
    public void close() {
        while (!started.isEmpty()) {
            AutoCloseable service = started.pop();
            try {
                service.close();
            } catch (Exception e) {
                log.warn("{} did not stop cleanly: {}", service.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
