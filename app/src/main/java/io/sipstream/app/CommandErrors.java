package io.sipstream.app;

import io.sipstream.platform.config.ConfigException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * What the command line prints when something is wrong: one line on stderr that names the flag or setting, exit
 * code 2 for bad input (a flag, a setting, a port in use: {@link UsageException}, {@link ConfigException}) and 1
 * for a failure while running. {@code --verbose} adds the stack trace; without it an operator who mistyped a
 * value reads the mistake, not a trace.
 */
final class CommandErrors implements IParameterExceptionHandler, IExecutionExceptionHandler {
    static final int BAD_INPUT = 2;
    static final int FAILED = 1;
    static final String VERBOSE = "--verbose";

    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        String line = e.getMessage();
        if (e instanceof UnmatchedArgumentException unmatched && !unmatched.getSuggestions().isEmpty()) {
            line += " (did you mean " + String.join(" or ", unmatched.getSuggestions()) + "?)";
        }
        String name = command.getCommandSpec().qualifiedName();
        print(command.getErr(), name + ": " + line + "; see " + name + " --help", e, verbose(Arrays.asList(args)));
        return BAD_INPUT;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine command, ParseResult parsed) {
        boolean badInput = e instanceof UsageException || e instanceof ConfigException;
        boolean verbose = verbose(parsed.originalArgs());
        String line = command.getCommandSpec().qualifiedName() + ": " + describe(e);
        if (!badInput && !verbose) line += " (" + VERBOSE + " shows where)";
        print(command.getErr(), line, e, verbose);
        return badInput ? BAD_INPUT : FAILED;
    }

    /** The exception's message, with its causes' where they add to it, on one line. */
    static String describe(Throwable e) {
        StringBuilder out = new StringBuilder();
        for (Throwable t = e; t != null && t != t.getCause(); t = t.getCause()) {
            String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage().strip();
            if (out.indexOf(message) >= 0) continue; // wrappers often repeat their cause's message
            if (!out.isEmpty()) out.append(": ");
            out.append(message);
        }
        return out.toString().replaceAll("\\s*\\R\\s*", " ");
    }

    private static boolean verbose(List<String> args) {
        return args.contains(VERBOSE);
    }

    private static void print(PrintWriter err, String line, Exception e, boolean verbose) {
        err.println(line);
        if (verbose) e.printStackTrace(err);
        err.flush();
    }
}
