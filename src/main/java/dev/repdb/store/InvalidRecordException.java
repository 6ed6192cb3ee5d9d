package dev.repdb.store;

import dev.repdb.RepdbException;

/** A log record's payload is not a record this version of repdb understands. */
public class InvalidRecordException extends RepdbException {
    public InvalidRecordException(String message) {
        super(message);
    }
}
