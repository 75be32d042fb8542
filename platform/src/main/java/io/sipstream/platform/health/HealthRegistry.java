package io.sipstream.platform.health;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The checks behind /healthz. Each service adds its own (its Kafka client running, Redis answering,
 * SIP listening ...); the process is ready only when every check is up.
 */
public final class HealthRegistry {

    /** One check's answer: up or not, and a short detail for the operator. */
    public record Status(boolean up, String detail) {
        public static Status up(String detail) { return new Status(true, detail); }
        public static Status down(String detail) { return new Status(false, detail); }
    }

    public record Report(boolean up, Map<String, Status> checks) {}

    private final Map<String, Supplier<Status>> checks = new ConcurrentHashMap<>();

    public void register(String name, Supplier<Status> check) { checks.put(name, check); }

    public void unregister(String name) { checks.remove(name); }

    public Report check() {
        Map<String, Status> results = new LinkedHashMap<>();
        boolean up = true;
        for (var entry : new java.util.TreeMap<>(checks).entrySet()) {
            Status status;
            try {
                status = entry.getValue().get();
            } catch (RuntimeException e) {
                status = Status.down(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            results.put(entry.getKey(), status);
            up &= status.up();
        }
        return new Report(up, results);
    }
}
