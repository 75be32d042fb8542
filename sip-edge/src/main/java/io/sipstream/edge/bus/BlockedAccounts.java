package io.sipstream.edge.bus;

import io.sipstream.edge.call.AccountBlocks;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The accounts billing.blocks holds blocked, with the status their new calls get (402 by default). */
final class BlockedAccounts implements AccountBlocks {
    private final Map<String, Block> blocked = new ConcurrentHashMap<>();

    void block(String accountId, int sipStatus, String reason) {
        blocked.put(accountId, new Block(sipStatus >= 400 && sipStatus < 700 ? sipStatus : 402, reason));
    }

    void unblock(String accountId) { blocked.remove(accountId); }

    @Override
    public Block blockOf(String accountId) { return accountId == null ? null : blocked.get(accountId); }
}
