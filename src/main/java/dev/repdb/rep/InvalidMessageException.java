package dev.repdb.rep;

import dev.repdb.RepdbException;

/**
 * A replication message is malformed or misrouted (truncated, bad checksum, unknown version or type, absurd
 * lengths, another group's id, a sender that does not match the {@code envId} it arrived with, a destination that
 * is not this site). Processing it changed no state; it is only counted.
 */
public class InvalidMessageException extends RepdbException {
    public InvalidMessageException(String message) {
        super(message);
    }
}
