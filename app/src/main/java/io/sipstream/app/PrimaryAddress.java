package io.sipstream.app;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Comparator;
import java.util.Optional;

/**
 * This host's primary address: what SIP advertises (Via, Contact) when it listens on every interface and no
 * address is given, since peers cannot reach 0.0.0.0 and only this host reaches 127.0.0.1.
 */
final class PrimaryAddress {
    /** TEST-NET-1 (RFC 5737): only routed, never sent to. */
    private static final String OUTSIDE = "192.0.2.1";

    /** The address the default route leaves from; else the first of an interface that is up (IPv4 first); else none. */
    static Optional<String> find() {
        // connecting a UDP socket sends nothing: the kernel only picks the route, and with it the source address
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(InetAddress.getByName(OUTSIDE), 9);
            InetAddress local = socket.getLocalAddress();
            if (usable(local)) return Optional.of(local.getHostAddress());
        } catch (IOException | RuntimeException noRoute) {
            // no default route (an offline host): look at the interfaces
        }
        try {
            return NetworkInterface.networkInterfaces()
                    .filter(PrimaryAddress::upAndReal)
                    .flatMap(NetworkInterface::inetAddresses)
                    .filter(PrimaryAddress::usable)
                    .min(Comparator.comparing((InetAddress a) -> !(a instanceof Inet4Address)))
                    .map(InetAddress::getHostAddress);
        } catch (SocketException e) {
            return Optional.empty();
        }
    }

    static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }

    private static boolean usable(InetAddress a) {
        return !a.isAnyLocalAddress() && !a.isLoopbackAddress() && !a.isLinkLocalAddress() && !a.isMulticastAddress();
    }

    private static boolean upAndReal(NetworkInterface nic) {
        try {
            return nic.isUp() && !nic.isLoopback() && !nic.isVirtual();
        } catch (SocketException e) {
            return false;
        }
    }

    private PrimaryAddress() {}
}
