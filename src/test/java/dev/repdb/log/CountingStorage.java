package dev.repdb.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Storage} decorator that counts fsyncs ({@link StorageFile#force()} of the files written through the
 * seam: the log's segments) and the time spent in them, and can be told to fail them. Used by tests and the
 * benchmark.
 */
public final class CountingStorage implements Storage {
    final AtomicLong forces = new AtomicLong();
    private final AtomicLong forceNanos = new AtomicLong();
    volatile boolean failForces;
    private final Storage delegate;

    public CountingStorage(Storage delegate) {
        this.delegate = delegate;
    }

    /** The number of completed fsyncs. */
    public long forces() {
        return forces.get();
    }

    /** The total time spent in completed fsyncs, in nanoseconds. */
    public long forceNanos() {
        return forceNanos.get();
    }

    @Override
    public StorageFile open(Path path, boolean create) throws IOException {
        StorageFile file = delegate.open(path, create);
        return new StorageFile() {
            @Override
            public long size() throws IOException {
                return file.size();
            }

            @Override
            public int read(ByteBuffer dst, long position) throws IOException {
                return file.read(dst, position);
            }

            @Override
            public void write(ByteBuffer src, long position) throws IOException {
                file.write(src, position);
            }

            @Override
            public void force() throws IOException {
                if (failForces) {
                    throw new IOException("simulated fsync failure (EIO)");
                }
                long start = System.nanoTime();
                file.force();
                forceNanos.addAndGet(System.nanoTime() - start);
                forces.incrementAndGet();
            }

            @Override
            public void truncate(long size) throws IOException {
                file.truncate(size);
            }

            @Override
            public void close() throws IOException {
                file.close();
            }
        };
    }

    @Override
    public boolean concurrent() {
        return delegate.concurrent();
    }

    @Override
    public boolean exists(Path path) {
        return delegate.exists(path);
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        return delegate.list(dir);
    }

    @Override
    public void delete(Path path) throws IOException {
        delegate.delete(path);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        delegate.createDirectories(dir);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        delegate.syncDirectory(dir);
    }

    @Override
    public void writeAtomically(Path path, byte[] content) throws IOException {
        delegate.writeAtomically(path, content);
    }

    @Override
    public byte[] readAll(Path path) throws IOException {
        return delegate.readAll(path);
    }
}
