package dev.repdb.rep.wire;

import dev.repdb.RepdbException;

/**
 * Bytes that are not a well-formed replication message or payload (truncated, bad checksum, unknown version or
 * type, absurd lengths, misrouted). The replication layer reports it to its caller as
 * {@code dev.repdb.rep.InvalidMessageException} with the same text.
 */
public class WireFormatException extends RepdbException {
    public WireFormatException(String message) {
        super(message);
    }
}
