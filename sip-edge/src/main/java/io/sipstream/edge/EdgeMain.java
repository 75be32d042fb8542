package io.sipstream.edge;

import io.sipstream.platform.StandaloneMain;

/** The SIP edge on its own (one container per edge instance; edge.id picks its verdict partition). */
public final class EdgeMain {
    public static void main(String[] args) {
        StandaloneMain.run("sip-edge", args, ctx -> EdgeService.start(EdgeConfig.from(ctx.settings()), ctx));
    }

    private EdgeMain() {}
}
