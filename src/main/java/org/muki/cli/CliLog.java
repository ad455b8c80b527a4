package org.muki.cli;

/** What the command line tells the user on stderr besides results: one "muki: " line each. */
final class CliLog {
    private CliLog() {}

    static void line(String message) {
        System.err.println("muki: " + message);
    }
}
