package io.sipstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code sipstream local} started twice on one data dir, as an operator would: the first start makes the admin
 * API key, keeps it and prints it; the second uses the same key and prints only where it is kept. Each stops in
 * one sequence: the services (edge, billing, router, registry), then the embedded stack they ran on.
 */
class LocalCommandRunTest {

    @Test
    void shouldKeepTheApiKeyAcrossStartsAndStopTheServicesBeforeTheStack(@TempDir Path dir) throws Exception {
        Path dataDir = dir.resolve("data");

        Run first = start(dataDir);
        String key = Files.readString(dataDir.resolve("api.key")).trim();
        assertThat(first.out()).contains("  API key          " + key + "   (generated, kept in " + dataDir.resolve("api.key"));
        new AdminApiClient("http://127.0.0.1:" + first.httpPort(), key)
                .put("/v1/trunks/first-run", "{\"host\": \"127.0.0.1\", \"port\": 5090, \"transport\": \"udp\"}");
        first.stop();
        // rtpengine, when installed (CI installs it), runs as long as the services and stops after them
        boolean relay = io.sipstream.localstack.RtpEngineServer.executable().isPresent();
        assertThat(first.out()).contains(relay ? "  media relay      rtpengine udp:127.0.0.1:" : "  media relay      off: rtpengine is not installed");
        assertThat(first.command.shutdown.stopped()).containsExactlyElementsOf(relay
                ? java.util.List.of("the services (admin API, SIP edge, billing, router, registry)", "rtpengine",
                        "the embedded Kafka, Schema Registry and Redis")
                : java.util.List.of("the services (admin API, SIP edge, billing, router, registry)",
                        "the embedded Kafka, Schema Registry and Redis"));

        Run second = start(dataDir);
        assertThat(second.out()).contains("  API key          kept in " + dataDir.resolve("api.key")).doesNotContain(key);
        assertThat(new AdminApiClient("http://127.0.0.1:" + second.httpPort(), key).get("/v1/trunks/first-run").get("port").asInt())
                .isEqualTo(5090);
        second.stop();
    }

    private record Run(LocalCommand command, StringWriter printed, CompletableFuture<Integer> exit) {
        String out() { return printed.toString(); }

        int httpPort() {
            var m = java.util.regex.Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/v1").matcher(out());
            assertThat(m.find()).as(out()).isTrue();
            return Integer.parseInt(m.group(1));
        }

        void stop() throws Exception {
            command.shutdown.stop();
            assertThat(exit.get(60, TimeUnit.SECONDS)).isZero();
        }
    }

    private static Run start(Path dataDir) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Sipstream.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
        LocalCommand command = (LocalCommand) cli.getSubcommands().get("local").getCommand();
        command.env = Map.of();
        int sipPort = Sipp.freeSipPort();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cli.execute("local", "--data-dir", dataDir.toString(),
                "--sip-port", Integer.toString(sipPort), "--http-port", "0"));
        await("sipstream local is running").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                .until(() -> out.toString().contains("sipstream is running") || exit.isDone());
        assertThat(exit.isDone()).as("local exited: " + err).isFalse();
        return new Run(command, out, exit);
    }
}
