package io.sipstream.router;

import io.sipstream.platform.StandaloneMain;

/** The router on its own: {@code java -cp ... io.sipstream.router.RouterMain --config router.properties}. */
public final class RouterMain {
    public static void main(String[] args) {
        StandaloneMain.run("router", args, ctx -> RouterService.start(RouterConfig.from(ctx.settings()), ctx));
    }

    private RouterMain() {}
}
