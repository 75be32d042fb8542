package io.sipstream.edge.call;

/** Accounts billing has blocked (billing.blocks, followed by edge.bus), with the status their new calls get. */
@FunctionalInterface
public interface AccountBlocks {
    /** Why an account may not call. */
    record Block(int sipStatus, String reason) {}

    /** The account's block, or null when it may call (or the account is not known yet). */
    Block blockOf(String accountId);
}
