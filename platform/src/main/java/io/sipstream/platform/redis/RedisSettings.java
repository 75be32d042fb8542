package io.sipstream.platform.redis;

import io.sipstream.platform.config.ConfigException;
import io.sipstream.platform.config.Settings;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.JedisSentineled;
import redis.clients.jedis.UnifiedJedis;

/**
 * How a service reaches Redis, from {@code redis.url}:
 * <ul>
 *   <li>{@code redis://[:password@]host:port[/db]} or {@code rediss://...} (TLS): one server, pooled</li>
 *   <li>{@code redis-sentinel://[:password@]h1:p1,h2:p2/mymaster[/db]}: the master that Sentinel names</li>
 *   <li>{@code redis-cluster://[:password@]h1:p1,h2:p2}: a Redis Cluster</li>
 * </ul>
 * {@code redis.password} overrides a password in the URL (so the URL can be logged);
 * {@code redis.prefix} namespaces every key (default {@code sipstream:}).
 *
 * <p>{@code redis.timeout} bounds a command (and a connect), {@code redis.pool.max.wait} how long a
 * command waits for a free connection: with neither bound, a Redis that stops answering holds
 * every caller, and every caller after them, instead of failing them.
 */
public record RedisSettings(String url, String password, String prefix, int poolSize, Duration timeout, Duration poolMaxWait) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    /** A pool that waits for a connection half as long as a command may take ({@link #from}'s default). */
    public RedisSettings(String url, String password, String prefix, int poolSize, Duration timeout) {
        this(url, password, prefix, poolSize, timeout, timeout.dividedBy(2));
    }

    public RedisSettings {
        positive("redis.timeout", timeout);
        positive("redis.pool.max.wait", poolMaxWait);
    }

    public static RedisSettings from(Settings settings) { return from(settings, DEFAULT_TIMEOUT); }

    /**
     * As {@link #from(Settings)}, for a service whose callers cannot wait {@link #DEFAULT_TIMEOUT} for a command.
     * {@code redis.pool.max.wait} is by default half of {@code redis.timeout}: every connection busy that long
     * means Redis is not answering (its commands take a millisecond), and a command then fails within one and a
     * half timeouts in all.
     */
    public static RedisSettings from(Settings settings, Duration defaultTimeout) {
        Duration timeout = settings.duration("redis.timeout", defaultTimeout);
        return new RedisSettings(settings.required("redis.url"), settings.string("redis.password", null),
                settings.string("redis.prefix", "sipstream:"), settings.integer("redis.pool.size", 16, 1, 512), timeout,
                settings.duration("redis.pool.max.wait", timeout.dividedBy(2)));
    }

    private static void positive(String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) throw new ConfigException(key, "must be longer than zero");
    }

    /** Connects per the URL's scheme; every kind is a UnifiedJedis, so callers do not care which. */
    public UnifiedJedis connect() {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("redis.url", "'" + redacted() + "' is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme();
        String userInfo = uri.getRawUserInfo();
        String pass = password != null ? password
                : userInfo == null ? null : userInfo.substring(userInfo.indexOf(':') + 1);
        String authority = uri.getRawAuthority() == null ? "" : uri.getRawAuthority();
        String hosts = authority.contains("@") ? authority.substring(authority.indexOf('@') + 1) : authority;
        String[] path = uri.getPath() == null ? new String[0] : uri.getPath().replaceFirst("^/", "").split("/");
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(poolSize);
        pool.setMaxIdle(poolSize);
        pool.setMaxWait(poolMaxWait); // else a caller waits for a connection forever: JedisException once it has waited this long
        // the idle check only runs with an eviction interval: without one, connections broken by a
        // Redis restart stay in the pool and fail the next requests
        pool.setTestWhileIdle(true);
        pool.setTimeBetweenEvictionRuns(Duration.ofSeconds(10));
        pool.setMinEvictableIdleDuration(Duration.ofMinutes(1));
        int timeoutMs = (int) timeout.toMillis();
        return switch (scheme) {
            case "redis", "rediss" -> {
                HostAndPort node = HostAndPort.from(hosts.contains(":") ? hosts : hosts + ":6379");
                int db = path.length > 0 && !path[0].isEmpty() ? Integer.parseInt(path[0]) : 0;
                yield new JedisPooled(pool, node, config(pass, db, scheme.equals("rediss"), timeoutMs));
            }
            case "redis-sentinel" -> {
                if (path.length == 0 || path[0].isEmpty()) throw new ConfigException("redis.url", "a sentinel URL needs /<master name>");
                int db = path.length > 1 ? Integer.parseInt(path[1]) : 0;
                yield new JedisSentineled(path[0], config(pass, db, false, timeoutMs), pool, nodes(hosts),
                        DefaultJedisClientConfig.builder().timeoutMillis(timeoutMs).build());
            }
            case "redis-cluster" -> new JedisCluster(nodes(hosts), config(pass, 0, false, timeoutMs), 5, pool);
            default -> throw new ConfigException("redis.url", "scheme '" + scheme + "' is not redis, rediss, redis-sentinel or redis-cluster");
        };
    }

    private static JedisClientConfig config(String password, int db, boolean ssl, int timeoutMs) {
        return DefaultJedisClientConfig.builder().password(password).database(db).ssl(ssl)
                .timeoutMillis(timeoutMs).clientName("sipstream").build();
    }

    private static Set<HostAndPort> nodes(String hosts) {
        return Arrays.stream(hosts.split(",")).map(String::trim).map(HostAndPort::from).collect(Collectors.toSet());
    }

    /** The URL without any password, for logs. */
    public String redacted() { return url.replaceAll("//[^@/]*@", "//***@"); }

    @Override
    public String toString() {
        return "RedisSettings[url=" + redacted() + ", prefix=" + prefix + ", poolSize=" + poolSize + ", timeout=" + timeout
                + ", poolMaxWait=" + poolMaxWait + "]";
    }
}
