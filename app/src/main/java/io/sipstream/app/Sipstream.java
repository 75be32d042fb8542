package io.sipstream.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

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

    @Option(names = CommandErrors.VERBOSE, scope = ScopeType.INHERIT,
            description = "on an error, print its stack trace too (without it: one line that says what is wrong)")
    boolean verbose;

    public static void main(String[] args) {
        int exit = commandLine().execute(args);
        if (exit != 0) System.exit(exit);
    }

    /** The command line with sipstream's error reporting ({@link CommandErrors}). */
    static CommandLine commandLine() {
        CommandErrors errors = new CommandErrors();
        return new CommandLine(new Sipstream()).setParameterExceptionHandler(errors).setExecutionExceptionHandler(errors);
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
