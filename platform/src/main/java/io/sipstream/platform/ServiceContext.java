package io.sipstream.platform;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sipstream.platform.config.Settings;
import io.sipstream.platform.health.HealthRegistry;
import io.sipstream.platform.http.AdminServer;

/**
 * What a process hands each service it starts: its settings, the one admin HTTP server (mount
 * routes before it starts), the health checks and the metrics registry. In the all-in-one
 * launcher every service gets the same context; standalone, each has its own. Both make it with
 * {@link #create}.
 */
public record ServiceContext(Settings settings, AdminServer admin, HealthRegistry health, PrometheusMeterRegistry metrics) {

    /** A context with its own admin server ({@link AdminServer#from}: {@code http.host}, {@code http.port}, {@code api.key}). */
    public static ServiceContext create(Settings settings) {
        HealthRegistry health = new HealthRegistry();
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        return new ServiceContext(settings, AdminServer.from(settings, health, metrics), health, metrics);
    }
}
