package io.sipstream.platform;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sipstream.platform.config.Settings;
import io.sipstream.platform.health.HealthRegistry;
import io.sipstream.platform.http.AdminServer;

/**
 * What a process hands each service it starts: its settings, the one admin HTTP server (mount
 * routes before it starts), the health checks and the metrics registry. In the all-in-one
 * launcher every service gets the same server, health and metrics; standalone, each has its own.
 */
public record ServiceContext(Settings settings, AdminServer admin, HealthRegistry health, PrometheusMeterRegistry metrics) {

    /** A context with its own admin server on {@code http.host}:{@code http.port} guarded by {@code api.key}. */
    public static ServiceContext create(Settings settings) {
        HealthRegistry health = new HealthRegistry();
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        AdminServer admin = new AdminServer(settings.string("http.host", "0.0.0.0"),
                settings.integer("http.port", 8080, 0, 65535), settings.required("api.key"), health, metrics);
        return new ServiceContext(settings, admin, health, metrics);
    }
}
