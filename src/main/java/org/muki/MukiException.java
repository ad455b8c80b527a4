package org.muki;

/**
 * A problem with the user's input (a file, a field, a row, an option) that the command line
 * reports as one line and exit code 2. The message must name the file or option at fault.
 */
public class MukiException extends RuntimeException {
    public MukiException(String message) {
        super(message);
    }

    public MukiException(String message, Throwable cause) {
        super(message, cause);
    }
}
