package io.sipstream.app;

import io.sipstream.localstack.LocalStack;
import io.sipstream.platform.config.Settings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code sipstream local}: a Kafka broker, a Schema Registry and Redis embedded in this process
 * (data under --data-dir), and every sipstream service on them: one SIP port (UDP and TCP) and one
 * HTTP port carrying every REST API, /healthz and /metrics. With {@code --kafka},
 * {@code --schema-registry} and {@code --redis} it embeds nothing and runs the services on those
 * (e.g. a {@code sipstream stack} in another process, which can then be restarted under load).
 */
@Command(name = "local", mixinStandardHelpOptions = true,
        description = "Run the whole stack in one process on embedded Kafka, Schema Registry and Redis "
                + "(or every service on the ones given by --kafka, --schema-registry and --redis).")
public final class LocalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--sip-port", defaultValue = "5060", description = "SIP port, UDP and TCP (default ${DEFAULT-VALUE})")
    int sipPort;

    @Option(names = "--sip-host", defaultValue = "127.0.0.1", description = "SIP listen address (default ${DEFAULT-VALUE})")
    String sipHost;

    @Option(names = "--http-port", defaultValue = "8080", description = "admin REST API, /healthz and /metrics (default ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--http-host", defaultValue = "127.0.0.1", description = "admin HTTP listen address (default ${DEFAULT-VALUE})")
    String httpHost;

    @Option(names = "--data-dir", defaultValue = "./data", description = "Kafka, Redis and state data (default ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--api-key", description = "admin API key; else SIPSTREAM_API_KEY; else one is generated and printed")
    String apiKey;

    @Option(names = "--domain", defaultValue = "sipstream.local", description = "SIP domain and digest realm (default ${DEFAULT-VALUE})")
    String domain;

    @Option(names = "--kafka", paramLabel = "HOST:PORT",
            description = "an outside Kafka bootstrap (with --schema-registry and --redis: nothing is embedded)")
    String kafka;

    @Option(names = "--schema-registry", paramLabel = "URL", description = "an outside Schema Registry, e.g. http://127.0.0.1:8081")
    String schemaRegistry;

    @Option(names = "--redis", paramLabel = "URL", description = "an outside Redis, e.g. redis://127.0.0.1:6379")
    String redis;

    /** Where the services find Kafka, the Schema Registry and Redis. */
    record Endpoints(String kafka, String schemaRegistry, String redis) {}

    @Override
    public Integer call() throws Exception {
        Endpoints outside = outsideEndpoints();
        dataDir = dataDir.toAbsolutePath().normalize(); // the services' state dirs are printed and handed on absolute
        Files.createDirectories(dataDir);
        boolean generatedKey = false;
        if (apiKey == null) apiKey = System.getenv("SIPSTREAM_API_KEY");
        if (apiKey == null || apiKey.isBlank()) {
            apiKey = randomKey();
            generatedKey = true;
        }
        LocalStack stack = outside == null ? LocalStack.builder().dataDir(dataDir.resolve("stack")).build().start() : null;
        Endpoints endpoints = stack == null ? outside
                : new Endpoints(stack.bootstrapServers(), stack.schemaRegistryUrl(), stack.redisUrl());
        AllInOne all;
        try {
            all = AllInOne.start(settings(endpoints));
        } catch (Exception e) {
            if (stack != null) stack.close();
            throw e;
        }
        printWhereItListens(System.out, endpoints, stack == null, all, generatedKey);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            all.close();
            if (stack != null) stack.close();
            stopped.countDown();
        }, "sipstream-shutdown"));
        stopped.await();
        return 0;
    }

    /** The endpoints of --kafka, --schema-registry and --redis; null when none is given; all three or none. */
    Endpoints outsideEndpoints() {
        int given = (kafka != null ? 1 : 0) + (schemaRegistry != null ? 1 : 0) + (redis != null ? 1 : 0);
        if (given == 0) return null;
        if (given < 3) {
            throw new ParameterException(spec.commandLine(), "--kafka, --schema-registry and --redis go together "
                    + "(all three: services on outside infrastructure; none: the embedded stack); missing: "
                    + String.join(", ", missing()));
        }
        if (kafka.isBlank() || !kafka.contains(":")) {
            throw new ParameterException(spec.commandLine(), "--kafka must be HOST:PORT[,HOST:PORT...], not '" + kafka + "'");
        }
        if (!schemaRegistry.startsWith("http://") && !schemaRegistry.startsWith("https://")) {
            throw new ParameterException(spec.commandLine(), "--schema-registry must be an http:// or https:// URL, not '"
                    + schemaRegistry + "'");
        }
        if (!redis.matches("^redis(s|-sentinel|-cluster)?://.+")) {
            throw new ParameterException(spec.commandLine(), "--redis must be a redis://, rediss://, redis-sentinel:// or "
                    + "redis-cluster:// URL, not '" + redis + "'");
        }
        return new Endpoints(kafka, schemaRegistry, redis);
    }

    private List<String> missing() {
        List<String> out = new ArrayList<>();
        if (kafka == null) out.add("--kafka");
        if (schemaRegistry == null) out.add("--schema-registry");
        if (redis == null) out.add("--redis");
        return out;
    }

    Settings settings(Endpoints endpoints) throws IOException {
        Map<String, String> values = new HashMap<>();
        values.put("kafka.bootstrap", endpoints.kafka());
        values.put("schema.registry.url", endpoints.schemaRegistry());
        values.put("redis.url", endpoints.redis());
        values.put("api.key", apiKey);
        values.put("http.host", httpHost);
        values.put("http.port", Integer.toString(httpPort));
        values.put("sip.host", sipHost);
        values.put("sip.port", Integer.toString(sipPort));
        values.put("sip.advertised.host", sipHost.equals("0.0.0.0") ? "127.0.0.1" : sipHost);
        values.put("sip.domain", domain);
        values.put("secrets.key", secretsKey(dataDir));
        values.put("edge.id", "0");
        values.put("router.state.dir", dataDir.resolve("router-state").toString());
        values.put("billing.state.dir", dataDir.resolve("billing-state").toString());
        values.put("edge.journal.dir", dataDir.resolve("edge-journal").toString());
        // SIPSTREAM_* variables may add or change any other setting; the flags above win.
        return Settings.load(null, System.getenv(), Map.of()).with(values);
    }

    private void printWhereItListens(PrintStream out, Endpoints endpoints, boolean outside, AllInOne all, boolean generatedKey) {
        String where = outside ? "  (outside)" : "";
        out.println();
        out.println("sipstream is running");
        out.println("  SIP              udp://" + sipHost + ":" + sipPort + "  tcp://" + sipHost + ":" + sipPort + "  (domain " + domain + ")");
        out.println("  admin REST API   http://" + httpHost + ":" + all.httpPort() + "/v1  (/healthz, /metrics)");
        out.println("  Kafka bootstrap  " + endpoints.kafka() + where);
        out.println("  Schema Registry  " + endpoints.schemaRegistry() + where);
        out.println("  Redis            " + redactPassword(endpoints.redis()) + where);
        out.println("  data             " + dataDir.toAbsolutePath().normalize());
        if (generatedKey) out.println("  API key          " + apiKey + "   (generated: pass --api-key or SIPSTREAM_API_KEY to choose one)");
        out.println();
        out.flush();
    }

    /** A Redis URL as it may be printed: redis://:secret@host becomes redis://:***@host. */
    static String redactPassword(String url) {
        return url.replaceFirst("^(redis[a-z-]*://)[^@/]*@", "$1***@");
    }

    private static String randomKey() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The key that seals trunk passwords: made once per data dir and kept there, readable by the owner only. */
    static String secretsKey(Path dataDir) throws IOException {
        Path file = dataDir.resolve("secrets.key");
        if (Files.exists(file)) return Files.readString(file).trim();
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        String encoded = Base64.getEncoder().encodeToString(key);
        Files.writeString(file, encoded);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // Windows: the file system's ACLs apply
        }
        return encoded;
    }
}
