package dev.repdb.log;

/**
 * Tunables of the log.
 *
 * @param segmentSize     a master starts a new segment file once the current one would grow past this
 * @param maxRecordSize   the largest payload of one record; larger appends are refused, larger lengths read
 *                        from disk are corruption
 * @param writeBufferSize bytes collected in memory before they are handed to the OS
 */
public record LogConfig(long segmentSize, int maxRecordSize, int writeBufferSize) {

    public static final LogConfig DEFAULT = new LogConfig(64L << 20, 32 << 20, 1 << 20);

    public LogConfig {
        if (maxRecordSize < 1 || maxRecordSize > (1 << 30)) {
            throw new IllegalArgumentException("maxRecordSize must be in [1, 2^30]: " + maxRecordSize);
        }
        if (segmentSize < SegmentHeader.SIZE + RecordFrame.OVERHEAD + 1) {
            throw new IllegalArgumentException("segmentSize too small: " + segmentSize);
        }
        if (writeBufferSize < 4096) {
            throw new IllegalArgumentException("writeBufferSize must be at least 4096: " + writeBufferSize);
        }
    }
}
