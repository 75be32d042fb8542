package io.sipstream.localstack;

import java.nio.file.Path;

/** A Redis server of a test's own (so it can be restarted), from the same binary the local stack uses. */
public final class TestRedis {
    public static RedisServer start(Path dir, int port) {
        return RedisServer.start(RedisExecutable.resolve(), dir, port, null);
    }

    private TestRedis() {}
}
