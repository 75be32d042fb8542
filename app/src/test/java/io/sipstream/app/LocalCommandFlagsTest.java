package io.sipstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.platform.config.Settings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sipstream local --kafka --schema-registry --redis}: all three or none, and what they set. */
class LocalCommandFlagsTest {

    @Test
    void refusesOutsideInfrastructureUnlessAllThreeAreGiven() {
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new Sipstream()).setErr(new PrintWriter(err))
                .execute("local", "--kafka", "127.0.0.1:9092", "--redis", "redis://127.0.0.1:6379");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--kafka, --schema-registry and --redis go together")
                .contains("missing: --schema-registry");
    }

    @Test
    void refusesASchemaRegistryThatIsNotAnHttpUrl() {
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new Sipstream()).setErr(new PrintWriter(err))
                .execute("local", "--kafka", "127.0.0.1:9092", "--schema-registry", "127.0.0.1:8081",
                        "--redis", "redis://127.0.0.1:6379");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--schema-registry must be an http:// or https:// URL");
    }

    @Test
    void runsTheServicesOnTheGivenEndpoints(@TempDir Path dir) throws Exception {
        LocalCommand command = new LocalCommand();
        new CommandLine(command).parseArgs("--kafka", "10.0.0.5:9092", "--schema-registry", "http://10.0.0.5:8081",
                "--redis", "redis://:pw@10.0.0.5:6379", "--data-dir", dir.toString(), "--api-key", "k-0123456789abcdef");
        Settings settings = command.settings(command.outsideEndpoints());
        assertThat(settings.required("kafka.bootstrap")).isEqualTo("10.0.0.5:9092");
        assertThat(settings.required("schema.registry.url")).isEqualTo("http://10.0.0.5:8081");
        assertThat(settings.required("redis.url")).isEqualTo("redis://:pw@10.0.0.5:6379");
        assertThat(settings.required("router.state.dir")).isEqualTo(dir.resolve("router-state").toString());
        assertThat(LocalCommand.redactPassword("redis://:pw@10.0.0.5:6379")).isEqualTo("redis://***@10.0.0.5:6379");
    }

    @Test
    void embedsTheStackWhenNoneIsGiven() {
        LocalCommand command = new LocalCommand();
        new CommandLine(command).parseArgs("--sip-port", "5070");
        assertThat(command.outsideEndpoints()).isNull();
    }
}
