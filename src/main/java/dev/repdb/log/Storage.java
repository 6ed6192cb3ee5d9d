package dev.repdb.log;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The seam through which repdb's own files (log segments, site metadata, rollback markers) are written.
 * {@link FileStorage} uses real file channels; a simulation can supply a disk that loses unsynced writes.
 */
public interface Storage {

    /** Opens a file for reading and writing, creating it if {@code create} is set. */
    StorageFile open(Path path, boolean create) throws IOException;

    boolean exists(Path path);

    /** The regular files directly inside {@code dir}, in no particular order. */
    List<Path> list(Path dir) throws IOException;

    void delete(Path path) throws IOException;

    void createDirectories(Path dir) throws IOException;

    /** Makes creations, renames and deletions inside {@code dir} durable. */
    void syncDirectory(Path dir) throws IOException;

    /** Replaces {@code path} with {@code content} atomically and durably (write aside, fsync, rename, fsync dir). */
    void writeAtomically(Path path, byte[] content) throws IOException;

    byte[] readAll(Path path) throws IOException;

    /**
     * Where the store (H2 MVStore) file for {@code path} lives: the path itself on a real file system; a simulated
     * disk returns an H2 file-system URL (for example {@code memFS:}).
     */
    default String storeLocation(Path path) {
        return path.toString();
    }

    /**
     * Whether other threads may append while the log waits (true for a real disk). A single-threaded simulation
     * says false, so the log never waits in real time for work that only its own thread could do.
     */
    default boolean concurrent() {
        return true;
    }
}
