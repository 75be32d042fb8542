package io.sipstream.app;

import io.sipstream.platform.progress.JobProgress;
import java.io.Console;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Shows an operator job's progress while it runs, on stderr (stdout keeps the job's result for scripts): a line
 * every few seconds, or, on a terminal, one bar redrawn in place. Closing it prints the last counts.
 */
final class ProgressPrinter implements AutoCloseable {
    static final Duration LINE_EVERY = Duration.ofSeconds(2);
    static final Duration BAR_EVERY = Duration.ofMillis(250);
    private static final int BAR_WIDTH = 30;

    private final String job;
    private final JobProgress progress;
    private final PrintWriter out;
    private final boolean bar;
    private final ScheduledExecutorService timer;
    private String last = "";

    ProgressPrinter(String job, JobProgress progress, PrintWriter out, boolean bar, Duration every) {
        this.job = job;
        this.progress = progress;
        this.out = out;
        this.bar = bar;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name(job + "-progress").unstarted(r));
        timer.scheduleAtFixedRate(this::print, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Progress on the command's stderr: a bar on a terminal, else lines every {@link #LINE_EVERY}. */
    static ProgressPrinter onStderr(String job, JobProgress progress, PrintWriter err) {
        boolean terminal = terminal();
        return new ProgressPrinter(job, progress, err, terminal, terminal ? BAR_EVERY : LINE_EVERY);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            String line = line(job, progress.snapshot());
            if (bar) out.print("\r" + line + clearTo(line) + "\n");
            else if (!line.equals(last)) out.println(line);
            out.flush();
        }
    }

    private synchronized void print() {
        JobProgress.Snapshot now = progress.snapshot();
        if (bar) {
            String line = bar(now) + " " + line(job, now);
            out.print("\r" + line + clearTo(line));
            last = line;
        } else {
            String line = line(job, now);
            if (!line.equals(last)) out.println(line); // a job waiting on something prints nothing new
            last = line;
        }
        out.flush();
    }

    private String clearTo(String line) {
        return " ".repeat(Math.max(0, last.length() - line.length()));
    }

    /** e.g. {@code import-redis: checking, 1200 of 40000 read, 0 written, 3 skipped}. */
    static String line(String job, JobProgress.Snapshot s) {
        String read = s.total() >= 0 ? s.read() + " of " + s.total() + " read" : s.read() + " read";
        return job + ": " + (s.stage().isEmpty() ? "" : s.stage() + ", ") + read + ", " + s.written() + " written, "
                + s.skipped() + " skipped";
    }

    /** {@code [#########.....................]  30%}, by records read of the total; empty while the total is unknown. */
    static String bar(JobProgress.Snapshot s) {
        if (s.total() <= 0) return "[" + " ".repeat(BAR_WIDTH) + "]     ";
        int percent = (int) Math.min(100, s.read() * 100 / s.total());
        int filled = percent * BAR_WIDTH / 100;
        return "[" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "] " + String.format("%3d%%", percent);
    }

    /**
     * Whether stderr's user is watching: a console, which before Java 22 means a terminal; from Java 22 on a console
     * may be returned for redirected streams too, and {@code Console.isTerminal()} (not in Java 21's API) says.
     */
    static boolean terminal() {
        Console console = System.console();
        if (console == null) return false;
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException java21) {
            return true;
        }
    }
}
