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
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sipstream local}: a Kafka broker, a Schema Registry and Redis embedded in this process
 * (data under --data-dir), and every sipstream service on them: one SIP port (UDP and TCP) and one
 * HTTP port carrying every REST API, /healthz and /metrics.
 */
@Command(name = "local", mixinStandardHelpOptions = true,
        description = "Run the whole stack in one process on embedded Kafka, Schema Registry and Redis.")
public final class LocalCommand implements Callable<Integer> {

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

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(dataDir);
        boolean generatedKey = false;
        if (apiKey == null) apiKey = System.getenv("SIPSTREAM_API_KEY");
        if (apiKey == null || apiKey.isBlank()) {
            apiKey = randomKey();
            generatedKey = true;
        }
        LocalStack stack = LocalStack.builder().dataDir(dataDir.resolve("stack")).build().start();
        AllInOne all;
        try {
            all = AllInOne.start(settings(stack));
        } catch (Exception e) {
            stack.close();
            throw e;
        }
        printWhereItListens(System.out, stack, all, generatedKey);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            all.close();
            stack.close();
            stopped.countDown();
        }, "sipstream-shutdown"));
        stopped.await();
        return 0;
    }

    Settings settings(LocalStack stack) throws IOException {
        Map<String, String> values = new HashMap<>();
        values.put("kafka.bootstrap", stack.bootstrapServers());
        values.put("schema.registry.url", stack.schemaRegistryUrl());
        values.put("redis.url", stack.redisUrl());
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

    private void printWhereItListens(PrintStream out, LocalStack stack, AllInOne all, boolean generatedKey) {
        out.println();
        out.println("sipstream is running");
        out.println("  SIP              udp://" + sipHost + ":" + sipPort + "  tcp://" + sipHost + ":" + sipPort + "  (domain " + domain + ")");
        out.println("  admin REST API   http://" + httpHost + ":" + all.httpPort() + "/v1  (/healthz, /metrics)");
        out.println("  Kafka bootstrap  " + stack.bootstrapServers());
        out.println("  Schema Registry  " + stack.schemaRegistryUrl());
        out.println("  Redis            " + stack.redisUrl());
        out.println("  data             " + dataDir.toAbsolutePath().normalize());
        if (generatedKey) out.println("  API key          " + apiKey + "   (generated: pass --api-key or SIPSTREAM_API_KEY to choose one)");
        out.println();
        out.flush();
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
