package org.muki;

/**
 * What a pipeline job tells its caller while it runs: notes, warnings and progress. The command
 * line prints them on stderr ("muki: ...", "muki: warning: ...", a progress line); a program
 * that embeds muki gets them as calls, and {@link #SILENT} drops them.
 */
public interface Listener {
    /** Something the user should know (what was read, what will happen). */
    default void info(String message) {}

    /** Something that may be wrong but does not stop the job (a skipped row, a fallback). */
    default void warn(String message) {}

    /** A long step's progress: done of total units, with a free-form detail (loss, throughput). */
    default void progress(Progress progress) {}

    /** A job made of steps (experiment, demo) starts step `step` of `steps`. */
    default void stage(int step, int steps, String what) {}

    /**
     * A unit of durable work is done: a training step, a batch of scores flushed to disk. The
     * command line's tests stop a real process here to check that a resumed run loses nothing.
     */
    default void afterStep(String task, long steps) {}

    /** Drops everything. */
    Listener SILENT = new Listener() {};

    /**
     * One progress report.
     *
     * @param task     what is being done ("train", "score")
     * @param done     units done, counting any done before a resume
     * @param total    units in all
     * @param resumed  units already done when this run started (excluded from rates and ETAs)
     * @param seconds  seconds this run has spent on the task
     * @param detail   free-form detail
     */
    record Progress(String task, long done, long total, long resumed, double seconds, String detail) {
        /** Seconds left at this run's own rate, or NaN before any unit was done by this run. */
        public double etaSeconds() {
            long mine = done - resumed;
            return mine <= 0 ? Double.NaN : seconds * (total - done) / mine;
        }

        public boolean finished() {
            return done >= total;
        }
    }
}
