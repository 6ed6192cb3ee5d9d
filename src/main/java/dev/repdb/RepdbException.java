package dev.repdb;

/** The root of repdb's unchecked exceptions. */
public class RepdbException extends RuntimeException {
    public RepdbException(String message) {
        super(message);
    }

    public RepdbException(String message, Throwable cause) {
        super(message, cause);
    }
}
