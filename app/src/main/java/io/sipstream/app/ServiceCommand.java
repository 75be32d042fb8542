package io.sipstream.app;

import io.sipstream.app.KnownSettings.Reader;
import io.sipstream.billing.BillingConfig;
import io.sipstream.billing.BillingService;
import io.sipstream.edge.EdgeConfig;
import io.sipstream.edge.EdgeService;
import io.sipstream.platform.StandaloneMain;
import io.sipstream.registry.RegistryConfig;
import io.sipstream.registry.RegistryService;
import io.sipstream.router.RouterConfig;
import io.sipstream.router.RouterService;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * One service against outside Kafka, Schema Registry and Redis (the way docker-compose runs them):
 * {@code sipstream router --config router.properties --kafka.bootstrap=kafka:9092}. Settings come
 * from the file, SIPSTREAM_* variables and --key=value flags; docs/configuration.md lists them.
 * They are read and checked before anything starts: a bad value or an unknown key is one line and exit code 2.
 */
@Command(mixinStandardHelpOptions = true, customSynopsis = "${COMMAND-FULL-NAME} [--config FILE] [--key=value...] [--verbose]",
        footer = "%nSettings: --config FILE (a properties file), then SIPSTREAM_* variables (SIPSTREAM_KAFKA_BOOTSTRAP is "
                + "kafka.bootstrap), then --key=value flags (--kafka.bootstrap=kafka:9092); docs/configuration.md lists them.")
abstract class ServiceCommand implements Callable<Integer> {
    /** --config FILE and --key=value settings, passed through to the service's settings. */
    @Unmatched
    String[] args = new String[0];

    @Spec
    CommandSpec spec;

    /** The environment the settings' variables come from (a test's own). */
    Map<String, String> env = System.getenv();

    /** Checks the settings as the service will read them, then starts it; it runs until SIGTERM. */
    Integer run(String service, Reader reader, StandaloneMain.Starter starter) {
        KnownSettings.read(spec.qualifiedName(), args, env, EnumSet.of(Reader.ADMIN_SERVER, reader), spec.commandLine().getErr());
        StandaloneMain.run(service, args, starter);
        return 0;
    }

    @Command(name = "registry", description = "the number registry's admin REST API")
    static final class Registry extends ServiceCommand {
        @Override
        public Integer call() {
            return run("registry", Reader.REGISTRY, ctx -> RegistryService.start(RegistryConfig.from(ctx.settings()), ctx));
        }
    }

    @Command(name = "router", description = "the routing Kafka Streams app")
    static final class Router extends ServiceCommand {
        @Override
        public Integer call() {
            return run("router", Reader.ROUTER, ctx -> RouterService.start(RouterConfig.from(ctx.settings()), ctx));
        }
    }

    @Command(name = "billing", description = "the billing Kafka Streams app and its REST API")
    static final class Billing extends ServiceCommand {
        @Override
        public Integer call() {
            return run("billing", Reader.BILLING, ctx -> BillingService.start(BillingConfig.from(ctx.settings()), ctx));
        }
    }

    @Command(name = "edge", description = "the SIP edge (B2BUA, registrar, trunk client)")
    static final class Edge extends ServiceCommand {
        @Override
        public Integer call() {
            return run("edge", Reader.EDGE, ctx -> EdgeService.start(EdgeConfig.from(ctx.settings()), ctx));
        }
    }
}
