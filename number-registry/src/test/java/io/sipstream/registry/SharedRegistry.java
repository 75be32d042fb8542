package io.sipstream.registry;

import io.sipstream.localstack.LocalStack;
import io.sipstream.localstack.LocalStackExtension;

/**
 * The one registry service on the shared local stack: every registry instance reconciles the
 * registry topics with its own Redis keyspace, so two on one Kafka would tombstone each other's records.
 */
final class SharedRegistry {
    private static TestRegistry registry;

    static synchronized TestRegistry get() {
        if (registry == null) {
            LocalStack stack = LocalStackExtension.stack();
            registry = TestRegistry.start(TestRegistry.settings(stack.bootstrapServers(), stack.schemaRegistryUrl(),
                    stack.redisUrl(), "regtest:"));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    registry.close();
                } catch (RuntimeException ignored) {
                    // the stack may be gone first
                }
            }));
        }
        return registry;
    }

    private SharedRegistry() {}
}
