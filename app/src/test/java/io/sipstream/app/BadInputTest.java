package io.sipstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A new operator's mistakes, each found before anything starts: exit code 2 and one line on stderr that names
 * the flag or setting, no stack trace unless --verbose, and no embedded stack started (no DATA_DIR/stack).
 */
class BadInputTest {
    private static final String[] OUTSIDE_SETTINGS = {"--kafka.bootstrap=127.0.0.1:1", "--schema.registry.url=http://127.0.0.1:1",
            "--redis.url=redis://127.0.0.1:1", "--api.key=bad-input-test-key-0123"};

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void shouldRefuseAShortApiKeyBeforeStartingTheStack(@TempDir Path dir) {
        int exit = local(dir, "--api-key", "short");

        assertOneLine(exit, "sipstream local: ", "at least 16 characters");
        assertThat(dir.resolve("data").resolve("stack")).doesNotExist();
    }

    @Test
    void shouldNameTheFlagOfAPortOutOfRange(@TempDir Path dir) {
        int exit = local(dir, "--http-port", "70000");

        assertOneLine(exit, "sipstream local: --http-port: ", "70000 is outside 0..65535");
        assertThat(dir.resolve("data").resolve("stack")).doesNotExist();
    }

    @Test
    void shouldSayTheSipPortIsTakenBeforeStartingTheStack(@TempDir Path dir) throws Exception {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            int port = taken.getLocalPort();
            int exit = local(dir, "--sip-port", Integer.toString(port), "--http-port", "0");

            assertOneLine(exit, "sipstream local: --sip-port " + port + ": udp port " + port, "in use");
        }
        assertThat(dir.resolve("data").resolve("stack")).doesNotExist();
    }

    @Test
    void shouldShowTheStackTraceOnlyWithVerbose(@TempDir Path dir) {
        int exit = local(dir, "--http-port", "70000", "--verbose");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).startsWith("sipstream local: --http-port: ").contains("\tat io.sipstream.");
    }

    @Test
    void shouldPrintTheServiceCommandsHelp() {
        int exit = Sipstream.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute("router", "--help");

        assertThat(exit).isZero();
        assertThat(out.toString()).contains("Usage: sipstream router [--config FILE] [--key=value...]").contains("SIPSTREAM_");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void shouldRefuseAMisspeltSettingWithTheNearestOne() {
        int exit = service(Map.of(), append(OUTSIDE_SETTINGS, "--edge.verdict.timout=3s"));

        assertOneLine(exit, "sipstream edge: unknown setting --edge.verdict.timout", "(did you mean --edge.verdict.timeout?)");
    }

    @Test
    void shouldRefuseAMisspeltVariableWithTheNearestOne() {
        int exit = service(Map.of("SIPSTREAM_EDGE_VERDICT_TIMOUT", "3s", "SIPSTREAM_JAVA_OPTS", "-Xmx1g"), OUTSIDE_SETTINGS);

        assertOneLine(exit, "sipstream edge: unknown setting SIPSTREAM_EDGE_VERDICT_TIMOUT",
                "(did you mean SIPSTREAM_EDGE_VERDICT_TIMEOUT?)");
    }

    @Test
    void shouldRefuseAnArgumentThatIsNoSetting() {
        int exit = service(Map.of(), append(OUTSIDE_SETTINGS, "--kafka.bootstrap"));

        assertOneLine(exit, "sipstream edge: unknown argument '--kafka.bootstrap'", "--key=value");
    }

    @Test
    void shouldNameTheSettingOfABadValue() {
        int exit = service(Map.of(), append(OUTSIDE_SETTINGS, "--edge.verdict.timeout=soon"));

        assertOneLine(exit, "sipstream edge: setting 'edge.verdict.timeout'", "is not a duration");
    }

    private int local(Path dir, String... flags) {
        CommandLine cli = Sipstream.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        ((LocalCommand) cli.getSubcommands().get("local").getCommand()).env = Map.of();
        String[] args = append(new String[] {"local", "--data-dir", dir.resolve("data").toString()}, flags);
        return cli.execute(args);
    }

    private int service(Map<String, String> env, String... settings) {
        CommandLine cli = Sipstream.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        ((ServiceCommand) cli.getSubcommands().get("edge").getCommand()).env = env;
        return cli.execute(append(new String[] {"edge"}, settings));
    }

    private void assertOneLine(int exit, String start, String rest) {
        assertThat(exit).as(err.toString()).isEqualTo(2);
        assertThat(err.toString().lines().toList()).as("stderr").hasSize(1);
        assertThat(err.toString()).startsWith(start).contains(rest).doesNotContain("\tat ");
    }

    private static String[] append(String[] head, String... tail) {
        String[] all = new String[head.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }
}
