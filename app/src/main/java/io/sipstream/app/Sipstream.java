package io.sipstream.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The sipstream command line: {@code local} runs everything in one process; {@code stack} only the
 * embedded infrastructure, for services in other processes; the others run one service or a tool.
 */
@Command(name = "sipstream", mixinStandardHelpOptions = true, version = "sipstream 0.1.0",
        description = "SIP call gateway whose routing and billing are decided by stream processors on Kafka.",
        subcommands = {LocalCommand.class, StackCommand.class, ServiceCommand.Registry.class, ServiceCommand.Router.class,
                ServiceCommand.Billing.class, ServiceCommand.Edge.class, ToolCommands.ImportRedis.class,
                ToolCommands.LoadRates.class})
public final class Sipstream implements Runnable {

    public static void main(String[] args) {
        int exit = new CommandLine(new Sipstream()).execute(args);
        if (exit != 0) System.exit(exit);
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
