package io.sipstream.platform;

import io.sipstream.platform.config.Settings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The body of each service's own main, for running one service per container: reads
 * {@code --config FILE} and {@code --key=value} flags over SIPSTREAM_* environment variables,
 * starts the service and its admin server, and stops both on SIGTERM.
 */
public final class StandaloneMain {
    private static final Logger log = LoggerFactory.getLogger(StandaloneMain.class);

    /** Starts a service from a context; returns what stops it. */
    @FunctionalInterface
    public interface Starter {
        AutoCloseable start(ServiceContext context) throws Exception;
    }

    public static void run(String serviceName, String[] args, Starter starter) {
        try {
            Settings settings = parse(args, System.getenv());
            ServiceContext context = ServiceContext.create(settings);
            AutoCloseable service = starter.start(context);
            context.admin().start();
            log.info("{} started; admin API on {}", serviceName, context.admin().url());
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                log.info("{} stopping", serviceName);
                try {
                    service.close();
                } catch (Exception e) {
                    log.warn("{} did not stop cleanly: {}", serviceName, e.toString());
                }
                context.admin().close();
            }, serviceName + "-shutdown"));
        } catch (Exception e) {
            log.error("{} failed to start: {}", serviceName, e.getMessage(), e);
            System.exit(1);
        }
    }

    /** {@code --config FILE} names a properties file; {@code --some.key=value} overrides one setting. */
    public static Settings parse(String[] args, Map<String, String> env) {
        Arguments arguments = Arguments.of(args);
        return Settings.load(arguments.file(), env, arguments.overrides());
    }

    /** A service's command-line arguments: the {@code --config} file (or null) and the {@code --key=value} settings. */
    public record Arguments(Path file, Map<String, String> overrides) {
        public static Arguments of(String[] args) {
            Path file = null;
            Map<String, String> overrides = new HashMap<>();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (arg.equals("--config") && i + 1 < args.length) {
                    file = Path.of(args[++i]);
                } else if (arg.startsWith("--") && arg.contains("=")) {
                    overrides.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
                } else {
                    throw new IllegalArgumentException("unknown argument '" + arg + "' (use --config FILE or --key=value)");
                }
            }
            return new Arguments(file, Map.copyOf(overrides));
        }
    }

    private StandaloneMain() {}
}
