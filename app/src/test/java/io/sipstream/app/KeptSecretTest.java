package io.sipstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin API key of {@code sipstream local}: made once per data dir, kept readable by its owner only, printed once. */
class KeptSecretTest {

    @Test
    void shouldKeepTheGeneratedKeyForTheNextStart(@TempDir Path dataDir) throws Exception {
        LocalCommand.ApiKey first = LocalCommand.apiKey(null, Map.of(), dataDir);
        LocalCommand.ApiKey second = LocalCommand.apiKey(null, Map.of(), dataDir);

        Path file = dataDir.resolve("api.key");
        assertThat(first.value()).hasSizeGreaterThanOrEqualTo(16);
        assertThat(second.value()).isEqualTo(first.value());
        assertThat(Files.readString(file).trim()).isEqualTo(first.value());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(first.kept().created()).isTrue();
        assertThat(second.kept().created()).isFalse();
    }

    @Test
    void shouldPrintTheKeyOnlyTheTimeItIsMade(@TempDir Path dataDir) throws Exception {
        LocalCommand.ApiKey first = LocalCommand.apiKey(null, Map.of(), dataDir);
        LocalCommand.ApiKey second = LocalCommand.apiKey(null, Map.of(), dataDir);

        assertThat(first.describe()).startsWith(first.value()).contains(dataDir.resolve("api.key").toString());
        assertThat(second.describe()).doesNotContain(first.value()).startsWith("kept in " + dataDir.resolve("api.key"));
        assertThat(first.toString()).doesNotContain(first.value());
    }

    @Test
    void shouldTakeTheFlagThenTheVariableAndKeepNeither(@TempDir Path dataDir) throws Exception {
        Map<String, String> env = Map.of("SIPSTREAM_API_KEY", "from-the-environment-0123");

        assertThat(LocalCommand.apiKey("from-the-flag-0123456", env, dataDir).value()).isEqualTo("from-the-flag-0123456");
        LocalCommand.ApiKey variable = LocalCommand.apiKey(null, env, dataDir);
        assertThat(variable.value()).isEqualTo("from-the-environment-0123");
        assertThat(variable.describe()).isEqualTo("from SIPSTREAM_API_KEY");
        assertThat(dataDir.resolve("api.key")).doesNotExist();
    }

    @Test
    void shouldKeepTheSecretsKeyTheSameWay(@TempDir Path dataDir) throws Exception {
        String key = LocalCommand.secretsKey(dataDir);

        assertThat(LocalCommand.secretsKey(dataDir)).isEqualTo(key);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("secrets.key")))).isEqualTo("rw-------");
    }
}
