package io.sipstream.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

@ExtendWith(LocalStackExtension.class)
class RedisServerTest {

    @Test
    void shouldStoreAndReturnKeys(LocalStack stack) {
        try (Jedis jedis = new Jedis(stack.redisHost(), stack.redisPort())) {
            jedis.set("test:redis:account", "acme");
            assertThat(jedis.get("test:redis:account")).isEqualTo("acme");
        }
    }

    @Test
    void shouldRequireThePasswordWhenOneIsSet(@TempDir Path dir) {
        try (RedisServer redis = RedisServer.start(dir, 0, "pa ss\"word");
             Jedis jedis = new Jedis(Ports.LOOPBACK, redis.port())) {
            assertThatThrownBy(() -> jedis.get("k")).isInstanceOf(JedisDataException.class).hasMessageContaining("NOAUTH");
            jedis.auth("pa ss\"word");
            jedis.set("k", "v");
            assertThat(jedis.get("k")).isEqualTo("v");
        }
    }
}
