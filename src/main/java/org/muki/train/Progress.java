package org.muki.train;

import java.io.PrintStream;

/**
 * A progress line on stderr for long work: redrawn in place on a terminal, otherwise printed
 * about every 10% of the work or every 30 seconds, so logs stay short.
 */
public final class Progress {
    private final String task;
    private final long total;
    private final PrintStream out = System.err;
    private final boolean terminal = System.console() != null;
    private final long start = System.nanoTime();
    private long lastPrint;
    private long lastDone = -1;

    public Progress(String task, long total) {
        this.task = task;
        this.total = total;
    }

    /** Reports `done` of `total` units, with a free-form detail (loss, throughput). */
    public void update(long done, String detail) {
        long now = System.nanoTime();
        boolean finished = done >= total;
        boolean due = terminal ? now - lastPrint > 200_000_000L
                : now - lastPrint > 30_000_000_000L || done * 10 / Math.max(1, total) != lastDone * 10 / Math.max(1, total);
        if (!due && !finished) return;
        lastPrint = now;
        lastDone = done;
        double elapsed = (now - start) / 1e9;
        double eta = done > 0 ? elapsed * (total - done) / done : 0;
        int width = 24, filled = (int) (width * done / Math.max(1, total));
        String line = String.format("%s [%s%s] %d/%d %s elapsed %s eta %s", task, "#".repeat(filled), ".".repeat(width - filled),
                done, total, detail, clock(elapsed), clock(eta));
        if (terminal) out.print("\r" + line + (finished ? "\n" : ""));
        else out.println(line);
        out.flush();
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%d:%02d", s / 60, s % 60);
    }
}
