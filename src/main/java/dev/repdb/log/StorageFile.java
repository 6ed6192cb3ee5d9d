package dev.repdb.log;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One open file behind the {@link Storage} seam. Positional reads may run concurrently with each other and with
 * one writer; writes, truncation and {@link #force()} are called by one thread at a time (the log's lock).
 */
public interface StorageFile extends Closeable {

    long size() throws IOException;

    /** Reads up to {@code dst.remaining()} bytes at {@code position}; returns the count, -1 at end of file. */
    int read(ByteBuffer dst, long position) throws IOException;

    /** Writes all of {@code src} at {@code position}. The bytes reach the OS, not necessarily the disk. */
    void write(ByteBuffer src, long position) throws IOException;

    /** Makes every byte written so far durable (fsync of the data). */
    void force() throws IOException;

    void truncate(long size) throws IOException;

    /** Reads exactly {@code dst.remaining()} bytes or throws {@link java.io.EOFException}. */
    default void readFully(ByteBuffer dst, long position) throws IOException {
        long at = position;
        while (dst.hasRemaining()) {
            int n = read(dst, at);
            if (n < 0) {
                throw new java.io.EOFException("end of file at " + at);
            }
            at += n;
        }
    }
}
