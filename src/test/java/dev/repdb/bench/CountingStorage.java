package dev.repdb.bench;

import dev.repdb.log.Storage;
import dev.repdb.log.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Storage} decorator that counts {@link StorageFile#force()} calls, i.e. the fsyncs of the files written
 * through the seam (the log's segments), and the time spent in them. Everything else is passed through unchanged.
 */
final class CountingStorage implements Storage {

    private final Storage delegate;
    private final AtomicLong forces = new AtomicLong();
    private final AtomicLong forceNanos = new AtomicLong();

    CountingStorage(Storage delegate) {
        this.delegate = delegate;
    }

    /** The number of {@link StorageFile#force()} calls that have completed so far. */
    long forces() {
        return forces.get();
    }

    /** The total time spent in completed {@link StorageFile#force()} calls, in nanoseconds. */
    long forceNanos() {
        return forceNanos.get();
    }

    @Override
    public StorageFile open(Path path, boolean create) throws IOException {
        return new CountingFile(delegate.open(path, create));
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

    private final class CountingFile implements StorageFile {
        private final StorageFile file;

        CountingFile(StorageFile file) {
            this.file = file;
        }

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
    }
}
