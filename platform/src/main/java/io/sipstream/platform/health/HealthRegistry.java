package io.sipstream.platform.health;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The checks behind /livez, /readyz and /healthz. Each service adds its own (its Kafka client running,
 * Redis answering, SIP listening ...). The process is ready (/readyz, /healthz) only when every check
 * is up; it is alive (/livez) while every liveness check is up. A liveness check is down only for
 * what a restart mends (a Streams app in ERROR): an outage of Redis or Kafka makes every instance
 * unready at once, and restarting them all would only add a cold start to the outage.
 */
public final class HealthRegistry {

    /** One check's answer: up or not, and a short detail for the operator. */
    public record Status(boolean up, String detail) {
        public static Status up(String detail) { return new Status(true, detail); }
        public static Status down(String detail) { return new Status(false, detail); }
    }

    public record Report(boolean up, Map<String, Status> checks) {}

    private record Check(Supplier<Status> probe, boolean liveness) {}

    private final Map<String, Check> checks = new ConcurrentHashMap<>();

    /** A readiness check: while it is down the process takes no work (/readyz and /healthz answer 503). */
    public void register(String name, Supplier<Status> check) { checks.put(name, new Check(check, false)); }

    /**
     * A liveness check: down only when the process cannot recover without a restart (/livez answers 503,
     * and /readyz too).
     */
    public void registerLiveness(String name, Supplier<Status> check) { checks.put(name, new Check(check, true)); }

    public void unregister(String name) { checks.remove(name); }

    /** Every check: whether the process can take work now (/readyz, /healthz). */
    public Report check() { return run(false); }

    /** The liveness checks only: whether the process should be left running (/livez). */
    public Report liveness() { return run(true); }

    private Report run(boolean livenessOnly) {
        Map<String, Status> results = new LinkedHashMap<>();
        boolean up = true;
        for (var entry : new TreeMap<>(checks).entrySet()) {
            if (livenessOnly && !entry.getValue().liveness()) continue;
            Status status;
            try {
                status = entry.getValue().probe().get();
            } catch (RuntimeException e) {
                status = Status.down(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            results.put(entry.getKey(), status);
            up &= status.up();
        }
        return new Report(up, results);
    }
}
