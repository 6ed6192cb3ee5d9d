package dev.repdb.rep;

import dev.repdb.log.Lsn;

/**
 * How far one client is behind its master, as the master sees it ({@link RepStats#clientLag}).
 *
 * @param lsn     the highest LSN the client acknowledged
 * @param bytes   the bytes of log after that record up to the master's end, across segments (exact while the
 *                master still holds the record; else at least the log it holds)
 * @param records the records after it, exact for recent positions and estimated from the log's average record size
 *                further back (see {@code docs/operations.md})
 * @param seconds how long the master's end of log has been past the client's position (0: caught up); a lower
 *                bound when the client is behind everything this master remembers
 */
public record ClientLag(Lsn lsn, long bytes, long records, double seconds) {
}
