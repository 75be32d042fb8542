package io.sipstream.localstack;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Apache Kafka in KRaft mode (broker and controller in one process, as
 * {@code process.roles=broker,controller}), running inside this JVM.
 *
 * <p>The quorum is static ({@code controller.quorum.voters}, kraft.version 0) rather than a
 * KIP-853 dynamic one: a dynamic quorum records the controller's endpoint in the metadata log,
 * which would pin the controller port forever, whereas tests want fresh free ports on every start
 * over the same data dir.
 */
public final class KafkaBroker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaBroker.class);

    private static final int NODE_ID = 1;
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final Path logDir;
    private final int port;
    private final int controllerPort;
    private final KafkaRaftServer server;
    private boolean closed;

    private KafkaBroker(Path logDir, int port, int controllerPort, KafkaRaftServer server) {
        this.logDir = logDir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.server = server;
    }

    /**
     * Formats {@code logDir} when it holds no KRaft metadata yet, then starts the broker and
     * returns once it is registered and unfenced (ready for clients).
     *
     * @param port           the client port, 0 for a free one
     * @param controllerPort the KRaft controller port, 0 for a free one
     */
    public static KafkaBroker start(Path logDir, int port, int controllerPort) {
        return start(logDir, port, controllerPort, Map.of());
    }

    /** As {@link #start(Path, int, int)}, with broker properties that replace or add to the defaults (benchmarks tune with them). */
    public static KafkaBroker start(Path logDir, int port, int controllerPort, Map<String, String> overrides) {
        int brokerPort = Ports.resolve(port, "Kafka");
        int quorumPort = Ports.resolve(controllerPort, "Kafka controller");
        Map<String, String> props = config(logDir, brokerPort, quorumPort);
        props.putAll(overrides);
        KafkaConfig config = new KafkaConfig(props, false);
        formatIfNeeded(logDir);
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            server.startup();
        } catch (RuntimeException e) {
            shutdownQuietly(server);
            throw new IllegalStateException("Kafka broker did not start on " + Ports.LOOPBACK + ":" + brokerPort
                    + " (controller port " + quorumPort + ", log dir " + logDir + "): " + e.getMessage(), e);
        }
        return new KafkaBroker(logDir, brokerPort, quorumPort, server);
    }

    public String bootstrapServers() {
        return Ports.LOOPBACK + ":" + port;
    }

    public int port() {
        return port;
    }

    public int controllerPort() {
        return controllerPort;
    }

    public Path logDir() {
        return logDir;
    }

    /** Controlled shutdown: flushes the logs and writes the clean-shutdown marker, so a restart skips recovery. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        server.shutdown();
        server.awaitShutdown();
    }

    static Map<String, String> config(Path logDir, int port, int controllerPort) {
        // strings throughout: KafkaConfig parses them by each key's declared type (int, short, long ...)
        Map<String, String> props = new HashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", String.valueOf(NODE_ID));
        props.put("controller.quorum.voters", NODE_ID + "@" + Ports.LOOPBACK + ":" + controllerPort);
        props.put("listeners", BROKER_LISTENER + "://" + Ports.LOOPBACK + ":" + port + ","
                + CONTROLLER_LISTENER + "://" + Ports.LOOPBACK + ":" + controllerPort);
        props.put("advertised.listeners", BROKER_LISTENER + "://" + Ports.LOOPBACK + ":" + port);
        props.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("inter.broker.listener.name", BROKER_LISTENER);
        props.put("log.dirs", logDir.toAbsolutePath().toString());

        // One node: every internal topic must be satisfiable with a single replica, or consumer
        // groups and (exactly-once) transactions never become available.
        props.put("offsets.topic.replication.factor", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("default.replication.factor", "1");
        props.put("min.insync.replicas", "1");
        // Fewer coordinator partitions than the 50 default: creating them is most of the first
        // consumer group's (and first transaction's) latency on a small machine.
        props.put("offsets.topic.num.partitions", "5");
        props.put("transaction.state.log.num.partitions", "5");
        // Nobody else joins the group: rebalance at once instead of waiting 3 s for more members.
        props.put("group.initial.rebalance.delay.ms", "0");

        // Small footprint: this shares 2 cores and the test heap with the code under test.
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "2");
        props.put("background.threads", "2");
        props.put("num.recovery.threads.per.data.dir", "1");
        props.put("log.cleaner.threads", "1");
        props.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
        return props;
    }

    /**
     * Formats only a fresh dir: formatting again would give the node a new cluster id and lose
     * every topic, which is exactly what a restart on the same data dir must not do.
     */
    private static void formatIfNeeded(Path logDir) {
        if (Files.exists(logDir.resolve(MetaPropertiesEnsemble.META_PROPERTIES_NAME))) {
            log.debug("Kafka log dir {} already formatted, keeping its topics", logDir);
            return;
        }
        String clusterId = Uuid.randomUuid().toString();
        try {
            Files.createDirectories(logDir);
            String dir = logDir.toAbsolutePath().toString();
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(NODE_ID)
                    .setClusterId(clusterId)
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(dir)
                    .addDirectory(dir)
                    .run();
        } catch (IOException e) {
            throw new IllegalStateException("cannot create Kafka log dir " + logDir + ": " + e.getMessage(), e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot format Kafka log dir " + logDir + ": " + e.getMessage(), e);
        }
        log.info("formatted new KRaft log dir {} (cluster id {})", logDir, clusterId);
    }

    private static void shutdownQuietly(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException suppressed) {
            log.debug("shutdown after failed start also failed", suppressed);
        }
    }
}
