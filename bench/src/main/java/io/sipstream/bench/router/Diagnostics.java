package io.sipstream.bench.router;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/** Broker request times and client latencies from JMX, to say where a slow run spent its time. */
final class Diagnostics {
    static void print() {
        try {
            MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
            for (String request : new String[] {"Produce", "Fetch", "OffsetCommit"}) {
                StringBuilder line = new StringBuilder("broker " + request + ":");
                for (String part : new String[] {"RequestQueueTimeMs", "LocalTimeMs", "RemoteTimeMs", "ResponseQueueTimeMs", "ResponseSendTimeMs", "TotalTimeMs"}) {
                    String name = "kafka.network:type=RequestMetrics,name=" + part + ",request=" + (request.equals("Fetch") ? "FetchConsumer" : request);
                    for (ObjectName n : jmx.queryNames(new ObjectName(name), null)) {
                        line.append(String.format(Locale.ROOT, " %s mean %.2f p99 %.2f;", part.replace("Ms", ""),
                                (Double) jmx.getAttribute(n, "Mean"), (Double) jmx.getAttribute(n, "99thPercentile")));
                    }
                }
                System.out.println(line);
            }
            for (ObjectName n : jmx.queryNames(new ObjectName("kafka.producer:type=producer-metrics,client-id=*"), null)) {
                System.out.printf(Locale.ROOT, "producer %s: request latency avg %.2f max %.2f ms, queue time avg %.2f max %.2f ms, records/request %.2f%n",
                        n.getKeyProperty("client-id").replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "*"),
                        (Double) jmx.getAttribute(n, "request-latency-avg"), (Double) jmx.getAttribute(n, "request-latency-max"),
                        (Double) jmx.getAttribute(n, "record-queue-time-avg"), (Double) jmx.getAttribute(n, "record-queue-time-max"),
                        (Double) jmx.getAttribute(n, "records-per-request-avg"));
            }
        } catch (Exception e) {
            System.out.println("diagnostics unavailable: " + e);
        }
    }

    private Diagnostics() {}
}
