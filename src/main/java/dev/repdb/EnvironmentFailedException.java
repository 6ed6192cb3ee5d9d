package dev.repdb;

/**
 * A local I/O failure (disk full, failed fsync) put the environment into the failed state: nothing more is
 * written or applied, and every call throws this. Close the environment and reopen it to recover from the log.
 */
public class EnvironmentFailedException extends RepdbException {
    public EnvironmentFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
