package io.sipstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.edge.EdgeConfig;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The address {@code sipstream local} puts in Via and Contact: what peers can reach, not the listen address 0.0.0.0. */
class SipAdvertisedHostTest {
    private static final LocalCommand.Endpoints OUTSIDE = new LocalCommand.Endpoints("10.0.0.5:9092", "http://10.0.0.5:8081",
            "redis://10.0.0.5:6379");

    @Test
    void shouldAdvertiseThePrimaryAddressWhenListeningOnEveryInterface(@TempDir Path dir) throws Exception {
        LocalCommand command = local(dir, Map.of(), "--sip-host", "0.0.0.0");

        String advertised = EdgeConfig.from(command.settings(OUTSIDE)).advertisedHost();

        assertThat(advertised).isEqualTo(PrimaryAddress.find().orElse("127.0.0.1"));
        PrimaryAddress.find().ifPresent(primary -> {
            InetAddress address = parse(primary);
            assertThat(address.isLoopbackAddress() || address.isAnyLocalAddress()).as(primary).isFalse();
        });
    }

    @Test
    void shouldAdvertiseTheFlagThenTheVariable(@TempDir Path dir) throws Exception {
        Map<String, String> env = Map.of("SIPSTREAM_SIP_ADVERTISED_HOST", "sip.example.net");

        assertThat(EdgeConfig.from(local(dir, env, "--sip-host", "0.0.0.0", "--sip-advertised-host", "203.0.113.7")
                .settings(OUTSIDE)).advertisedHost()).isEqualTo("203.0.113.7");
        assertThat(EdgeConfig.from(local(dir, env, "--sip-host", "0.0.0.0").settings(OUTSIDE)).advertisedHost())
                .isEqualTo("sip.example.net");
    }

    @Test
    void shouldAdvertiseTheListenAddressWhenItIsOne(@TempDir Path dir) throws Exception {
        assertThat(EdgeConfig.from(local(dir, Map.of(), "--sip-host", "127.0.0.1").settings(OUTSIDE)).advertisedHost())
                .isEqualTo("127.0.0.1");
    }

    private static LocalCommand local(Path dir, Map<String, String> env, String... flags) {
        LocalCommand command = new LocalCommand();
        command.env = env;
        String[] args = new String[flags.length + 4];
        System.arraycopy(new String[] {"--data-dir", dir.toString(), "--api-key", "advertised-host-test-key"}, 0, args, 0, 4);
        System.arraycopy(flags, 0, args, 4, flags.length);
        new CommandLine(command).parseArgs(args);
        return command;
    }

    private static InetAddress parse(String address) {
        try {
            return InetAddress.getByName(address);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(address, e);
        }
    }
}
