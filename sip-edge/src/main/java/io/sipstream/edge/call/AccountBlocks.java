package io.sipstream.edge.call;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Accounts billing has blocked, with the status their new calls get (402 by default). */
public final class AccountBlocks {
    /** Why an account may not call. */
    public record Block(int sipStatus, String reason) {}

    private final Map<String, Block> blocked = new ConcurrentHashMap<>();

    public void block(String accountId, int sipStatus, String reason) {
        blocked.put(accountId, new Block(sipStatus >= 400 && sipStatus < 700 ? sipStatus : 402, reason));
    }

    public void unblock(String accountId) { blocked.remove(accountId); }

    public Block blockOf(String accountId) { return accountId == null ? null : blocked.get(accountId); }
}
