package io.sipstream.platform.progress;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The counts of a long operator job (an import, a rate deck load) while it runs: the job counts, the command
 * line shows them. A job of a hundred thousand records otherwise says nothing for minutes. Thread-safe.
 */
public final class JobProgress {
    private volatile String stage = "";
    private final AtomicLong total = new AtomicLong(-1);
    private final AtomicLong read = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();

    /** What the job is doing now, e.g. "scanning" or "writing". */
    public void stage(String stage) { this.stage = stage; }

    /** How many records the job will read, once it knows. */
    public void total(long records) { total.set(records); }

    /** The counts so far: records read, written and skipped (each a record that will not be written, e.g. a bad one). */
    public void update(long read, long written, long skipped) {
        this.read.set(read);
        this.written.set(written);
        this.skipped.set(skipped);
    }

    public Snapshot snapshot() { return new Snapshot(stage, total.get(), read.get(), written.get(), skipped.get()); }

    /** The counts at one moment; {@code total} is -1 while unknown. */
    public record Snapshot(String stage, long total, long read, long written, long skipped) {}
}
