package dev.repdb.rep;

import dev.repdb.RepdbException;

/** A transport could not hand a message off. For a {@code PERMANENT} record it counts as no acknowledgement. */
public class TransportException extends RepdbException {
    public TransportException(String message) {
        super(message);
    }

    public TransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
