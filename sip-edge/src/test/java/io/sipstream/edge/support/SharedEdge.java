package io.sipstream.edge.support;

import io.sipstream.localstack.LocalStackExtension;
import java.util.Map;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One edge (with its fake router and event tap) shared by every test class that asks for a
 * {@link Shared} parameter: starting it once keeps the suite fast. Closed at the end of the run.
 */
public final class SharedEdge implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SharedEdge.class);

    /** The shared edge and its peers. */
    public record Shared(EdgeFixture edge, FakeRouter router, EventTap events) implements AutoCloseable {
        @Override
        public void close() {
            router.close();
            events.close();
            edge.close();
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) { shared(context); }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) { return p.getParameter().getType() == Shared.class; }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) { return shared(e); }

    private static Shared shared(ExtensionContext context) {
        return context.getRoot().getStore(NS).getOrComputeIfAbsent(Shared.class, k -> {
            try {
                EdgeFixture edge = EdgeFixture.start(LocalStackExtension.stack(), Map.of());
                return new Shared(edge, new FakeRouter(edge.kafka, 1), new EventTap(edge.kafka));
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the shared edge", e);
            }
        }, Shared.class);
    }
}
