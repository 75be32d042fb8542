package io.sipstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipstream.localstack.LocalStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@code sipstream stack} on a data dir given relative to the working dir, as {@code --data-dir ./data} is. */
class StackCommandTest {

    @Test
    void startsOnARelativeDataDirAndKeepsItsDataUnderStack() throws IOException {
        Path relative = Path.of("target", "stack-command-" + UUID.randomUUID().toString().substring(0, 8));
        assertThat(relative.isAbsolute()).isFalse();
        StackCommand command = new StackCommand();
        command.dataDir = relative;
        try {
            // ports 0: free ones (the defaults 9092, 8081, 6379 may be taken on a build machine)
            command.kafkaPort = 0;
            command.controllerPort = 0;
            command.schemaRegistryPort = 0;
            command.redisPort = 0;
            try (LocalStack stack = command.start()) {
                assertThat(stack.isRunning()).isTrue();
                assertThat(stack.dataDir()).isEqualTo(relative.toAbsolutePath().normalize().resolve("stack"));
                assertThat(stack.dataDir().resolve("redis").resolve("redis.conf")).exists();
            }
        } finally {
            deleteRecursively(relative);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
