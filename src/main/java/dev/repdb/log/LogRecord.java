package dev.repdb.log;

/**
 * One record read from the log: its LSN, its payload, and where it ends ({@code end}: the LSN just past it in
 * the same segment file). The payload array is the caller's.
 */
public record LogRecord(Lsn lsn, byte[] payload, Lsn end) {

    /** Bytes this record occupies in its segment, framing included. */
    public int frameLength() {
        return (int) (end.offset() - lsn.offset());
    }
}
