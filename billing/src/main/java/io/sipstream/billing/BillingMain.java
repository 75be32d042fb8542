package io.sipstream.billing;

import io.sipstream.platform.StandaloneMain;

/** Runs billing on its own: {@code --config FILE} or {@code --key=value} flags over SIPSTREAM_* variables. */
public final class BillingMain {
    public static void main(String[] args) {
        StandaloneMain.run("billing", args, ctx -> BillingService.start(BillingConfig.from(ctx.settings()), ctx));
    }

    private BillingMain() {}
}
