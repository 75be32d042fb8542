package io.sipstream.edge.media.ng;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rtpengine instances an edge may anchor calls on. A new call takes the next instance that is up (round
 * robin) and keeps it to its end: the instance holds the call's ports. An instance that did not answer a request
 * is down, skipped by new calls until a {@link #ping} finds it answering again; the edge pings every instance on a
 * thread of its own ({@link #pingAll}).
 */
public final class RtpEngines {
    private static final Logger log = LoggerFactory.getLogger(RtpEngines.class);

    /** One instance and whether it answered its last request. */
    public static final class Instance {
        private final NgClient client;
        private volatile boolean up = true;

        Instance(NgClient client) { this.client = client; }

        public NgClient client() { return client; }

        public boolean up() { return up; }

        /** A request to this instance; one unanswered marks it down, any answer (an error too) up. */
        public Map<String, Object> request(String command, Map<String, Object> arguments) throws NgException {
            try {
                Map<String, Object> answer = client.request(command, arguments);
                markUp();
                return answer;
            } catch (NgException e) {
                if (e.noAnswer()) markDown(e.getMessage());
                else markUp();
                throw e;
            }
        }

        private void markUp() {
            if (!up) log.info("rtpengine {} answers again", client);
            up = true;
        }

        private void markDown(String why) {
            if (up) log.warn("rtpengine {} is down, skipped: {}", client, why);
            up = false;
        }

        @Override
        public String toString() { return client.toString(); }
    }

    private final List<Instance> instances;
    private final AtomicInteger next = new AtomicInteger();

    public RtpEngines(List<NgClient> clients) {
        this.instances = clients.stream().map(Instance::new).toList();
    }

    /**
     * Parses {@code media.rtpengine}: a comma-separated list of {@code udp:host:port} (the {@code udp:} may be left
     * out). Throws IllegalArgumentException naming the entry that is not one.
     */
    public static List<InetSocketAddress> parse(String spec) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String raw : spec.split(",")) {
            String entry = raw.trim();
            if (entry.isEmpty()) continue;
            String rest = entry.toLowerCase(Locale.ROOT).startsWith("udp:") ? entry.substring(4) : entry;
            int colon = rest.lastIndexOf(':');
            if (colon <= 0 || rest.contains("://")) throw new IllegalArgumentException("'" + entry + "' is not udp:host:port");
            String host = rest.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            int port;
            try {
                port = Integer.parseInt(rest.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + entry + "' has no port number");
            }
            if (port < 1 || port > 65535) throw new IllegalArgumentException("'" + entry + "': port out of range");
            out.add(InetSocketAddress.createUnresolved(host, port));
        }
        return out;
    }

    public static RtpEngines of(List<InetSocketAddress> addresses, Duration timeout, int retries) {
        return new RtpEngines(addresses.stream()
                .map(a -> new NgClient(new InetSocketAddress(a.getHostString(), a.getPort()), timeout, retries)).toList());
    }

    public List<Instance> instances() { return instances; }

    /** The instances to try for a new call, the next one up first, then the others that are up; empty when none is. */
    public List<Instance> forNewCall() {
        int n = instances.size();
        int start = Math.floorMod(next.getAndIncrement(), n);
        List<Instance> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Instance candidate = instances.get((start + i) % n);
            if (candidate.up()) order.add(candidate);
        }
        return order;
    }

    /** Pings one instance (its health: a ping answered makes it up, none down). */
    public static boolean ping(Instance instance) {
        try {
            return "pong".equals(instance.request("ping", Map.of()).get("result"));
        } catch (NgException e) {
            return false;
        }
    }

    /** Pings every instance; the number that answered. */
    public int pingAll() {
        int answered = 0;
        for (Instance i : instances) if (ping(i)) answered++;
        return answered;
    }
}
