package io.sipstream.registry;

import io.sipstream.platform.StandaloneMain;

/** The number registry on its own: {@code --config FILE} and {@code --key=value} flags, SIPSTREAM_* variables. */
public final class RegistryMain {
    public static void main(String[] args) {
        StandaloneMain.run("number-registry", args, ctx -> RegistryService.start(RegistryConfig.from(ctx.settings()), ctx));
    }

    private RegistryMain() {}
}
