package io.sipstream.edge.log;

import org.slf4j.MDC;

/**
 * The call a log line is about: the edge's call id (the id on every topic) under the MDC key
 * {@value #KEY}, so every line of one call is found by one search, whichever thread wrote it. Each
 * place where a call's work runs sets it and takes it off again when the work is done (a SIP thread
 * handling a message, the verdict or block follower handling a record, a call's timer or off-loaded
 * task): threads are pooled or virtual, and a key left behind would tag the next call's lines wrongly.
 * One key is put and removed, nothing is copied.
 */
public final class CallMdc {
    public static final String KEY = "call_id";

    /** Tags this thread's lines with the call (null: leaves them as they are). */
    public static void put(String callId) {
        if (callId != null) MDC.put(KEY, callId);
    }

    /** This thread's lines are about no call any more. */
    public static void clear() { MDC.remove(KEY); }

    /** The call this thread works for now, or null. */
    public static String current() { return MDC.get(KEY); }

    /** Runs the task for the call, then clears the tag. */
    public static void run(String callId, Runnable task) {
        put(callId);
        try {
            task.run();
        } finally {
            clear();
        }
    }

    private CallMdc() {}
}
