package dev.repdb.log;

import dev.repdb.RepdbException;

/** A file in the log directory is not a repdb log segment this version can read. Nothing was changed. */
public class LogFormatException extends RepdbException {
    public LogFormatException(String message) {
        super(message);
    }
}
