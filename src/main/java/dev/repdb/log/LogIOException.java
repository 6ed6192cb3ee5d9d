package dev.repdb.log;

import dev.repdb.RepdbException;

/**
 * A local I/O operation on the log failed (disk full, failed fsync). After a failed write or fsync the log is
 * <em>failed</em>: every later call throws this, so nothing can be appended or applied past the failure.
 */
public class LogIOException extends RepdbException {
    public LogIOException(String message, Throwable cause) {
        super(message, cause);
    }
}
