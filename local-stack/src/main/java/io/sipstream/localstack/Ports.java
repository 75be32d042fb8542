package io.sipstream.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Loopback port helpers: every service of the stack binds 127.0.0.1 only. */
final class Ports {
    static final String LOOPBACK = "127.0.0.1";

    private Ports() {}

    /**
     * A port that was free a moment ago. Kafka's controller needs its port before it starts (the
     * static voter string names it), so the OS cannot pick it at bind time; the window between this
     * probe and the real bind is small and only matters when something else grabs ports concurrently.
     */
    static int free() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + LOOPBACK + ": " + e.getMessage(), e);
        }
    }

    /** 0 means "pick one"; anything else must be a valid TCP port. */
    static int resolve(int configured, String what) {
        if (configured == 0) return free();
        if (configured < 0 || configured > 65535) {
            throw new IllegalArgumentException(what + " port must be 0 (pick a free one) or 1..65535, was " + configured);
        }
        return configured;
    }

    /** True when nothing listens on the loopback port (it can be bound right now). */
    static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
