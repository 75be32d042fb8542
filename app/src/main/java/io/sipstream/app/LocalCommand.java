package io.sipstream.app;

import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.RtpEngineServer;
import io.sipstream.platform.config.Settings;
import io.sipstream.edge.EdgeConfig;
import io.sipstream.platform.config.ConfigException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
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
    /** The media ports of the rtpengine {@code sipstream local} starts (docker-compose's has its own, in its service). */
    static final int LOCAL_MEDIA_PORT_MIN = 30_000;
    static final int LOCAL_MEDIA_PORT_MAX = 49_999;

    @Spec
    CommandSpec spec;

    @Option(names = "--sip-port", defaultValue = "5060", description = "SIP port, UDP and TCP (default ${DEFAULT-VALUE})")
    int sipPort;

    @Option(names = "--sip-host", defaultValue = "127.0.0.1", description = "SIP listen address (default ${DEFAULT-VALUE}; 0.0.0.0 for every interface)")
    String sipHost;

    @Option(names = "--sip-advertised-host", paramLabel = "HOST",
            description = "address peers reach SIP at, put in Via and Contact; else SIPSTREAM_SIP_ADVERTISED_HOST; "
                    + "else --sip-host, or this host's primary address when --sip-host is 0.0.0.0")
    String sipAdvertisedHost;

    @Option(names = "--http-port", defaultValue = "8080", description = "admin REST API, /healthz and /metrics (default ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--http-host", defaultValue = "127.0.0.1", description = "admin HTTP listen address (default ${DEFAULT-VALUE})")
    String httpHost;

    @Option(names = "--data-dir", defaultValue = "./data", description = "Kafka, Redis and state data (default ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--api-key", description = "admin API key (16+ characters); else SIPSTREAM_API_KEY; else the one kept in "
            + "DATA_DIR/api.key, made and printed at the first start")
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

    /** The environment SIPSTREAM_* settings come from (a test's own). */
    Map<String, String> env = System.getenv();

    /** How the services stop: the services, then the embedded stack (a test stops it itself). */
    final ShutdownSequence shutdown = new ShutdownSequence();

    /** Where the services find Kafka, the Schema Registry and Redis. */
    record Endpoints(String kafka, String schemaRegistry, String redis) {}

    /** Stands in for the embedded stack's endpoints while the settings are checked, before it starts. */
    private static final Endpoints NOT_YET_STARTED = new Endpoints("127.0.0.1:9092", "http://127.0.0.1:8081", "redis://127.0.0.1:6379");

    /** The flags of this command that set a setting, to name the flag when the setting's value is wrong. */
    private static final Map<String, String> FLAGS = Map.of("sip.port", "--sip-port", "sip.host", "--sip-host",
            "sip.advertised.host", "--sip-advertised-host", "http.port", "--http-port", "http.host", "--http-host",
            "sip.domain", "--domain", "kafka.bootstrap", "--kafka", "schema.registry.url", "--schema-registry", "redis.url", "--redis");

    /** The admin API key and where it came from: a flag, a variable, or the file that keeps it. */
    record ApiKey(String value, String source, KeptSecret kept) {
        /** What the start prints: the key only the one time it was made, else where it comes from. */
        String describe() {
            if (kept == null) return "from " + source;
            if (kept.created()) {
                return value + "   (generated, kept in " + source + " for the next starts; --api-key or SIPSTREAM_API_KEY choose another)";
            }
            return "kept in " + source + "   (--api-key or SIPSTREAM_API_KEY choose another)";
        }

        @Override
        public String toString() { // never the value
            return "ApiKey[from " + source + "]";
        }
    }

    private ApiKey key;
    private String advertisedHost;
    /** The rtpengine this command started (its ng address goes to the edge); null when none runs. */
    private String mediaRelay;
    /** What the launcher says of media anchoring: where the relay listens, or why there is none. */
    private String mediaRelayState;

    /**
     * Starts rtpengine as it starts Redis, when it is installed and no outside one is configured
     * (SIPSTREAM_EDGE_MEDIA_RTPENGINE), on the SIP advertised address (what phones and carriers reach); without
     * it anchoring is off, and the launcher says why. It stops after the services (added to the shutdown first).
     */
    private void startMediaRelay(Settings checked) {
        String outside = checked.string("edge.media.rtpengine", "");
        if (!outside.isBlank()) {
            mediaRelayState = outside + "  (outside)";
            return;
        }
        var executable = RtpEngineServer.executable();
        if (executable.isEmpty()) {
            mediaRelayState = "off: rtpengine is not installed (apt-get install rtpengine-daemon), every call's media passes end to end";
            return;
        }
        try {
            // the stack's calls, not a test's: room for some 150 anchored calls a second (4 ports a call, for the call and
            // rtpengine's 30 s delete delay); the tests' default window of 200 ports ran out at 2 calls a second
            RtpEngineServer relay = RtpEngineServer.start(executable.get(), dataDir.resolve("rtpengine"), 0, advertisedHost(),
                    LOCAL_MEDIA_PORT_MIN, LOCAL_MEDIA_PORT_MAX);
            shutdown.add("rtpengine", relay);
            mediaRelay = relay.ngAddress();
            mediaRelayState = "rtpengine " + relay.ngAddress() + ", media on " + advertisedHost() + " UDP " + relay.portMin() + "-"
                    + relay.portMax() + " (pid " + relay.pid() + ")";
        } catch (RuntimeException e) {
            mediaRelayState = "off: rtpengine did not start (" + e.getMessage() + "), every call's media passes end to end";
        }
    }

    @Override
    public Integer call() throws Exception {
        Endpoints outside = outsideEndpoints();
        dataDir = dataDir.toAbsolutePath().normalize(); // the services' state dirs are printed and handed on absolute
        Files.createDirectories(dataDir);
        key = apiKey(env, dataDir);
        Settings checked = check(settings(outside != null ? outside : NOT_YET_STARTED), spec.commandLine().getErr());
        requireFreePorts(checked);

        Runtime.getRuntime().addShutdownHook(shutdown.hook());
        LocalStack stack = null;
        if (outside == null) {
            // the stack stops after the services, in the sequence, not from a hook of its own running beside it
            stack = LocalStack.builder().dataDir(dataDir.resolve("stack")).stopOnJvmExit(false).build();
            shutdown.add("the embedded Kafka, Schema Registry and Redis", stack);
            stack.start();
        }
        Endpoints endpoints = stack == null ? outside
                : new Endpoints(stack.bootstrapServers(), stack.schemaRegistryUrl(), stack.redisUrl());
        startMediaRelay(checked);
        AllInOne all;
        try {
            all = AllInOne.start(settings(endpoints));
        } catch (Exception e) {
            shutdown.stop();
            throw e;
        }
        shutdown.add("the services (admin API, SIP edge, billing, router, registry)", all);
        printWhereItListens(spec.commandLine().getOut(), endpoints, stack == null, all);
        shutdown.awaitStopped();
        return 0;
    }

    /**
     * The admin API key: --api-key, else SIPSTREAM_API_KEY, else the one kept in the data dir (made there, readable
     * by the owner only, at the first start), so that it does not change at every start.
     */
    static ApiKey apiKey(String flag, Map<String, String> env, Path dataDir) throws IOException {
        if (flag != null) return new ApiKey(flag, "--api-key", null);
        String variable = env.get("SIPSTREAM_API_KEY");
        if (variable != null && !variable.isBlank()) return new ApiKey(variable, "SIPSTREAM_API_KEY", null);
        KeptSecret kept = KeptSecret.readOrCreate(dataDir.resolve("api.key"), randomKey());
        return new ApiKey(kept.value(), kept.file().toString(), kept);
    }

    private ApiKey apiKey(Map<String, String> env, Path dataDir) throws IOException {
        return apiKey(apiKey, env, dataDir);
    }

    /**
     * Reads the settings as every service will, before anything starts: a bad value names the flag that set it,
     * an unknown SIPSTREAM_* variable is refused with the nearest setting, and a variable for a setting that a
     * flag of this command sets (and so is not used) is a warning.
     */
    Settings check(Settings settings, PrintWriter err) throws IOException {
        Map<String, String> variables = KnownSettings.settingVariables(env);
        try {
            List<String> warnings = new ArrayList<>(KnownSettings.composeVariables(env));
            warnings.addAll(KnownSettings.check(settings, EnumSet.allOf(KnownSettings.Reader.class),
                    KnownSettings.Sources.environment(variables), "sipstream local"));
            Map<String, String> fromVariables = Settings.load(null, variables, Map.of()).asMap();
            Map<String, String> fromFlags = launcherSettings(NOT_YET_STARTED);
            for (String setting : fromVariables.keySet()) {
                if (fromFlags.containsKey(setting) && !setting.equals("api.key") && !setting.equals("sip.advertised.host")) {
                    String how = FLAGS.containsKey(setting) ? "from " + FLAGS.get(setting)
                            : setting.endsWith(".dir") || setting.equals("secrets.key") ? "from --data-dir" : "itself";
                    warnings.add(Settings.variableOf(setting) + " is not used: sipstream local sets " + setting + " " + how);
                }
            }
            for (String warning : warnings) err.println("sipstream local: warning: " + warning);
            err.flush();
            return settings;
        } catch (ConfigException e) {
            String flag = e.key().equals("api.key") ? key.source() : FLAGS.get(e.key());
            throw flag == null ? e : new UsageException(flag + ": " + e.problem());
        }
    }

    /** Refuses to start when the SIP or HTTP port is taken: found now, not after the embedded stack has started. */
    void requireFreePorts(Settings settings) {
        EdgeConfig edge = EdgeConfig.from(settings);
        if (edge.sipPort() != 0) {
            for (String transport : edge.transports()) {
                requireFree("--sip-port", transport, edge.sipHost(), edge.sipPort());
            }
        }
        int http = settings.integer("http.port", 8080, 0, 65535);
        if (http != 0) requireFree("--http-port", "tcp", settings.string("http.host", "127.0.0.1"), http);
    }

    static void requireFree(String flag, String transport, String host, int port) {
        InetSocketAddress address = new InetSocketAddress(host, port);
        try {
            if (transport.equals("udp")) {
                new DatagramSocket(address).close();
            } else {
                try (ServerSocket tcp = new ServerSocket()) {
                    tcp.setReuseAddress(true); // as the servers bind: a port in TIME_WAIT is free for them
                    tcp.bind(address);
                }
            }
        } catch (IOException e) {
            throw new UsageException(flag + " " + port + ": " + transport + " port " + port + " on " + host
                    + " is in use (another sipstream, or another SIP or HTTP server?): choose another with " + flag
                    + " (" + e.getMessage() + ")");
        }
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
        if (key == null) key = apiKey(env, dataDir);
        // SIPSTREAM_* variables may add or change any other setting; the flags below win.
        return Settings.load(null, KnownSettings.settingVariables(env), Map.of()).with(launcherSettings(endpoints));
    }

    /** What this command's flags set. */
    private Map<String, String> launcherSettings(Endpoints endpoints) throws IOException {
        Map<String, String> values = new HashMap<>();
        values.put("kafka.bootstrap", endpoints.kafka());
        values.put("schema.registry.url", endpoints.schemaRegistry());
        values.put("redis.url", endpoints.redis());
        values.put("api.key", key == null ? "" : key.value());
        values.put("http.host", httpHost);
        values.put("http.port", Integer.toString(httpPort));
        values.put("sip.host", sipHost);
        values.put("sip.port", Integer.toString(sipPort));
        values.put("sip.advertised.host", advertisedHost());
        values.put("sip.domain", domain);
        values.put("secrets.key", secretsKey(dataDir));
        values.put("edge.id", "0");
        values.put("router.state.dir", dataDir.resolve("router-state").toString());
        values.put("billing.state.dir", dataDir.resolve("billing-state").toString());
        values.put("edge.journal.dir", dataDir.resolve("edge-journal").toString());
        if (mediaRelay != null) values.put("edge.media.rtpengine", mediaRelay);
        return values;
    }

    /**
     * The address SIP advertises: --sip-advertised-host; else SIPSTREAM_SIP_ADVERTISED_HOST; else --sip-host, or, when
     * that is every interface, this host's primary address (peers cannot reach 0.0.0.0, and 127.0.0.1 only from here).
     */
    String advertisedHost() {
        if (advertisedHost == null) {
            String variable = env.get("SIPSTREAM_SIP_ADVERTISED_HOST");
            if (sipAdvertisedHost != null) advertisedHost = sipAdvertisedHost;
            else if (variable != null && !variable.isBlank()) advertisedHost = variable.trim();
            else if (PrimaryAddress.isWildcard(sipHost)) advertisedHost = PrimaryAddress.find().orElse("127.0.0.1");
            else advertisedHost = sipHost;
        }
        return advertisedHost;
    }

    private void printWhereItListens(PrintWriter out, Endpoints endpoints, boolean outside, AllInOne all) {
        String where = outside ? "  (outside)" : "";
        String advertised = advertisedHost().equals(sipHost) ? "" : ", advertised as " + advertisedHost();
        out.println();
        out.println("sipstream is running");
        out.println("  SIP              udp://" + sipHost + ":" + sipPort + "  tcp://" + sipHost + ":" + sipPort + "  (domain " + domain
                + advertised + ")");
        out.println("  admin REST API   http://" + httpHost + ":" + all.httpPort() + "/v1  (/healthz, /metrics)");
        out.println("  Kafka bootstrap  " + endpoints.kafka() + where);
        out.println("  Schema Registry  " + endpoints.schemaRegistry() + where);
        out.println("  Redis            " + redactPassword(endpoints.redis()) + where);
        out.println("  media relay      " + mediaRelayState);
        out.println("  data             " + dataDir.toAbsolutePath().normalize());
        out.println("  API key          " + key.describe());
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
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return KeptSecret.readOrCreate(dataDir.resolve("secrets.key"), Base64.getEncoder().encodeToString(key)).value();
    }
}
