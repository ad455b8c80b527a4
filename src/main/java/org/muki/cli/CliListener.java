package org.muki.cli;

import java.io.PrintStream;

import org.muki.Listener;

/**
 * The command line's listener: notes and warnings as "muki: ..." lines on stderr; progress
 * redrawn in place on a terminal (at most five times a second) and otherwise printed as plain
 * lines about every tenth of the work or every 30 seconds; the steps of an experiment as "step k
 * of N". Whether stderr is a terminal: the launcher says so (-Dmuki.stderr.tty, it filters the
 * JVM's start-up notice from a pipe), else System.console(). The test hooks
 * MUKI_TEST_HALT_AFTER_STEP / MUKI_TEST_HALT_AFTER_BATCH stop the process after that training
 * step or scored batch (a kill, for the resume tests).
 */
final class CliListener implements Listener {
    static final CliListener STDERR = new CliListener(System.err, stderrIsTerminal());

    private final PrintStream err;
    private final boolean terminal;
    private boolean lineOpen;
    private long lastPrint;
    private long lastDone = -1;
    private String lastTask = "";

    CliListener(PrintStream err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    private static boolean stderrIsTerminal() {
        String tty = System.getProperty("muki.stderr.tty");
        return tty != null ? Boolean.parseBoolean(tty) : System.console() != null;
    }

    synchronized void line(String message) {
        if (lineOpen) {
            err.println();
            lineOpen = false;
        }
        err.println("muki: " + message);
        err.flush();
    }

    @Override
    public void info(String message) {
        line(message);
    }

    @Override
    public void warn(String message) {
        line("warning: " + message);
    }

    @Override
    public void stage(int step, int steps, String what) {
        line("step " + step + " of " + steps + ": " + what);
    }

    @Override
    public synchronized void progress(Progress p) {
        long now = System.nanoTime();
        if (!p.task().equals(lastTask)) {
            lastTask = p.task();
            lastDone = -1;
            lastPrint = 0;
        }
        long total = Math.max(1, p.total());
        boolean due = terminal ? now - lastPrint > 200_000_000L
                : now - lastPrint > 30_000_000_000L || p.done() * 10 / total != lastDone * 10 / total;
        if (!due && !p.finished()) return;
        lastPrint = now;
        lastDone = p.done();
        int width = 24, filled = (int) (width * p.done() / total);
        double eta = p.etaSeconds();
        String text = String.format("%s [%s%s] %d/%d %selapsed %s eta %s", p.task(), "#".repeat(filled), ".".repeat(width - filled),
                p.done(), p.total(), p.detail().isEmpty() ? "" : p.detail() + " ", clock(p.seconds()), Double.isNaN(eta) ? "?" : clock(eta));
        if (terminal) {
            err.print("\r" + text + "\u001B[K");
            lineOpen = !p.finished();
            if (p.finished()) err.println();
        } else {
            err.println(text);
        }
        err.flush();
    }

    @Override
    public void afterStep(String task, long steps) {
        String halt = System.getenv(task.equals("train") ? "MUKI_TEST_HALT_AFTER_STEP" : "MUKI_TEST_HALT_AFTER_BATCH");
        if (halt != null && Long.parseLong(halt) == steps) Runtime.getRuntime().halt(137); // tests: a kill
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%d:%02d", s / 60, s % 60);
    }
}
