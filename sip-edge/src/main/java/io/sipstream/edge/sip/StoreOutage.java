package io.sipstream.edge.sip;

import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Tells a temporary failure of the edge's store (Redis unreachable, timed out, pool exhausted, a
 * cluster without a master) from a bug. A request that meets one is answered 503 Service
 * Unavailable with Retry-After (RFC 3261 21.5.4: the server is temporarily unable to serve it),
 * never 500. A {@link JedisDataException} (a reply Redis gave: WRONGTYPE, a script error ...) stays a bug.
 */
public final class StoreOutage {
    public static final String REASON = "the edge's store is unavailable";

    /** True when {@code t} or one of its causes is Redis being unreachable or too slow. */
    public static boolean is(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof JedisException && !(c instanceof JedisDataException)) return true;
        }
        return false;
    }

    private StoreOutage() {}
}
