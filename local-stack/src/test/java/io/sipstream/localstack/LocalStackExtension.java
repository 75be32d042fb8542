package io.sipstream.localstack;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One {@link LocalStack} per test JVM, started on first use and shared by every test class that
 * asks for it: starting Kafka once instead of per class is what keeps integration suites fast.
 *
 * <pre>{@code
 * @ExtendWith(LocalStackExtension.class)
 * class RouterIT {
 *     @Test
 *     void shouldRouteACall(LocalStack stack) { ... stack.bootstrapServers() ... }
 * }
 * // or, anywhere (e.g. a static initializer): LocalStackExtension.stack()
 * }</pre>
 *
 * The stack is closed when JUnit closes the root context (end of the test run), or by the
 * stack's shutdown hook when it was only reached through {@link #stack()}. Tests share it, so
 * each should use its own topic names, consumer groups, subjects and Redis keys.
 */
public final class LocalStackExtension implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LocalStackExtension.class);

    private static LocalStack shared;

    /** The shared stack, started on first call. */
    public static synchronized LocalStack stack() {
        if (shared == null || !shared.isRunning()) {
            shared = LocalStack.builder().tempDataDir().start();
        }
        return shared;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        stackFor(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == LocalStack.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return stackFor(extensionContext);
    }

    private static LocalStack stackFor(ExtensionContext context) {
        // JUnit (5.13+) closes AutoCloseable values of the root store once the whole run is over
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(SharedStack.class, k -> new SharedStack(stack()), SharedStack.class)
                .stack();
    }

    private record SharedStack(LocalStack stack) implements AutoCloseable {
        @Override
        public void close() {
            synchronized (LocalStackExtension.class) {
                stack.close();
                if (shared == stack) shared = null;
            }
        }
    }
}
