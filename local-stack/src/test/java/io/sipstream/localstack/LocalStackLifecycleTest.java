package io.sipstream.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStackLifecycleTest {

    @Test
    void shouldLeaveNoProcessNoPortAndNoTempDirAfterClose() {
        // Given a running throwaway stack
        LocalStack stack = LocalStack.builder().start();
        long redisPid = stack.redisPid();
        Path dataDir = stack.dataDir();
        List<Integer> ports = List.of(stack.kafkaPort(), stack.kafkaControllerPort(), stack.schemaRegistryPort(), stack.redisPort());
        assertThat(ProcessHandle.of(redisPid)).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
        assertThat(ports).allSatisfy(port -> assertThat(Ports.isFree(port)).as("port %d in use", port).isFalse());
        assertThat(stack.redisUrl()).isEqualTo("redis://127.0.0.1:" + stack.redisPort());

        // When it is closed
        stack.close();

        // Then its redis-server is gone, every port is free and the temp data dir deleted
        assertThat(ProcessHandle.of(redisPid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(ProcessHandle.current().children().filter(p -> p.info().command().orElse("").contains("redis-server"))
                .filter(p -> p.pid() == redisPid)).isEmpty();
        assertThat(ports).allSatisfy(port -> assertThat(Ports.isFree(port)).as("port %d still in use", port).isTrue());
        assertThat(Files.exists(dataDir)).isFalse();
        assertThatThrownBy(stack::bootstrapServers).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldRefuseASecondStackOnTheSameDataDir(@TempDir Path dataDir) {
        try (LocalStack first = LocalStack.builder().dataDir(dataDir).start()) {
            assertThatThrownBy(() -> LocalStack.builder().dataDir(dataDir).start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("in use by another local stack");
            assertThat(ProcessHandle.of(first.redisPid()).filter(ProcessHandle::isAlive))
                    .as("the first stack's redis-server must survive").isPresent();
        }
    }

    @Test
    void shouldFailWithTheReasonWhenAPortIsTaken() throws Exception {
        try (var taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName(Ports.LOOPBACK))) {
            assertThatThrownBy(() -> LocalStack.builder().redisPort(taken.getLocalPort()).start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("local stack failed to start")
                    .hasMessageContaining("Address already in use")
                    .hasMessageContaining(String.valueOf(taken.getLocalPort()));
        }
    }
}
