package io.sipstream.app;

import io.sipstream.localstack.LocalStack;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sipstream stack}: only the embedded infrastructure (a KRaft Kafka broker, the Schema
 * Registry and Redis) on fixed ports, for services in other processes
 * ({@code sipstream local --kafka ... --schema-registry ... --redis ...}, or one service each).
 * Its data lives in {@code <data-dir>/stack}, where {@code sipstream local} keeps its embedded
 * stack's, so that the two can take turns on one data dir; started again on the same dir and
 * ports it finds its topics, schemas and Redis keys. SIGTERM stops it cleanly.
 */
@Command(name = "stack", mixinStandardHelpOptions = true,
        description = "Run only the embedded Kafka broker, Schema Registry and Redis, on fixed ports, for services in other processes.")
public final class StackCommand implements Callable<Integer> {

    @Option(names = "--data-dir", defaultValue = "./data", description = "data dir; the stack's data is in DIR/stack (default ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--kafka-port", defaultValue = "9092", description = "Kafka client port, 0 for a free one (default ${DEFAULT-VALUE})")
    int kafkaPort;

    @Option(names = "--controller-port", defaultValue = "9093", description = "Kafka KRaft controller port, 0 for a free one (default ${DEFAULT-VALUE})")
    int controllerPort;

    @Option(names = "--schema-registry-port", defaultValue = "8081", description = "Schema Registry port, 0 for a free one (default ${DEFAULT-VALUE})")
    int schemaRegistryPort;

    @Option(names = "--redis-port", defaultValue = "6379", description = "Redis port, 0 for a free one (default ${DEFAULT-VALUE})")
    int redisPort;

    /** Starts the stack and returns once the broker, the registry and Redis all answer; the caller closes it. */
    LocalStack start() throws IOException {
        Files.createDirectories(dataDir);
        return LocalStack.builder().dataDir(dataDir.resolve("stack")).kafkaPort(kafkaPort)
                .kafkaControllerPort(controllerPort).schemaRegistryPort(schemaRegistryPort).redisPort(redisPort)
                .start();
    }

    @Override
    public Integer call() throws Exception {
        LocalStack stack = start();
        printWhereItListens(System.out, stack);
        CountDownLatch stopped = new CountDownLatch(1);
        // LocalStack's own hook would stop it too; this one also lets main return once it has
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stack.close();
            stopped.countDown();
        }, "sipstream-stack-shutdown"));
        stopped.await();
        return 0;
    }

    private void printWhereItListens(PrintStream out, LocalStack stack) {
        out.println();
        out.println("sipstream stack is running");
        out.println("  Kafka bootstrap  " + stack.bootstrapServers() + "  (controller port " + stack.kafkaControllerPort() + ")");
        out.println("  Schema Registry  " + stack.schemaRegistryUrl());
        out.println("  Redis            " + stack.redisUrl());
        out.println("  data             " + stack.dataDir().toAbsolutePath().normalize());
        out.println("  services         sipstream local --kafka " + stack.bootstrapServers() + " --schema-registry "
                + stack.schemaRegistryUrl() + " --redis " + stack.redisUrl());
        out.println();
        out.flush();
    }
}
