package io.sipstream.app;

import io.sipstream.billing.BillingConfig;
import io.sipstream.billing.BillingService;
import io.sipstream.edge.EdgeConfig;
import io.sipstream.edge.EdgeService;
import io.sipstream.platform.StandaloneMain;
import io.sipstream.registry.RegistryConfig;
import io.sipstream.registry.RegistryService;
import io.sipstream.router.RouterConfig;
import io.sipstream.router.RouterService;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * One service against outside Kafka, Schema Registry and Redis (the way docker-compose runs them):
 * {@code sipstream router --config router.properties --kafka.bootstrap=kafka:9092}. Settings come
 * from the file, SIPSTREAM_* variables and --key=value flags; docs/configuration.md lists them.
 */
abstract class ServiceCommand implements Callable<Integer> {
    /** --config FILE and --key=value settings, passed through to the service's settings. */
    @Unmatched
    String[] args = new String[0];

    @Command(name = "registry", description = "the number registry's admin REST API")
    static final class Registry extends ServiceCommand {
        @Override
        public Integer call() {
            StandaloneMain.run("registry", args, ctx -> RegistryService.start(RegistryConfig.from(ctx.settings()), ctx));
            return 0;
        }
    }

    @Command(name = "router", description = "the routing Kafka Streams app")
    static final class Router extends ServiceCommand {
        @Override
        public Integer call() {
            StandaloneMain.run("router", args, ctx -> RouterService.start(RouterConfig.from(ctx.settings()), ctx));
            return 0;
        }
    }

    @Command(name = "billing", description = "the billing Kafka Streams app and its REST API")
    static final class Billing extends ServiceCommand {
        @Override
        public Integer call() {
            StandaloneMain.run("billing", args, ctx -> BillingService.start(BillingConfig.from(ctx.settings()), ctx));
            return 0;
        }
    }

    @Command(name = "edge", description = "the SIP edge (B2BUA, registrar, trunk client)")
    static final class Edge extends ServiceCommand {
        @Override
        public Integer call() {
            StandaloneMain.run("edge", args, ctx -> EdgeService.start(EdgeConfig.from(ctx.settings()), ctx));
            return 0;
        }
    }
}
