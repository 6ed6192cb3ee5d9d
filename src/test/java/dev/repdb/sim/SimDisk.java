package dev.repdb.sim;

import dev.repdb.log.Storage;
import dev.repdb.log.StorageFile;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A simulated disk for one site: every file has the bytes its process wrote (the OS cache) and the bytes that
 * were fsynced. A <em>process</em> crash keeps what was written; a <em>machine</em> crash keeps only what was
 * fsynced, and may keep a torn part of the unsynced tail. After {@link #kill()} the dying process's remaining
 * writes and fsyncs are ignored, as they would never happen. The store (MVStore) lives on H2's in-memory file
 * system under {@link #storeLocation}.
 */
public final class SimDisk implements Storage {

    private static final class FileData {
        byte[] written = new byte[0];
        byte[] durable = new byte[0];
    }

    private final Map<Path, FileData> files = new HashMap<>();
    private final String storePrefix;
    private boolean dead;

    public SimDisk(String storePrefix) {
        this.storePrefix = storePrefix;
    }

    /** From now on the current process writes nothing: it has died. */
    public synchronized void kill() {
        dead = true;
    }

    /**
     * Brings the disk back after a crash: for a machine crash, files return to their fsynced bytes plus, with
     * {@code random}, a torn piece of what was written after; then a new process may use it.
     */
    public synchronized void restart(boolean machineCrash, Random random) {
        if (machineCrash) {
            for (FileData f : files.values()) {
                byte[] keep = f.durable;
                if (random != null && f.written.length > f.durable.length && random.nextInt(3) == 0
                        && startsWith(f.written, f.durable)) {
                    int extra = random.nextInt(f.written.length - f.durable.length + 1);
                    keep = Arrays.copyOf(f.written, f.durable.length + extra);
                }
                f.written = keep.clone();
                f.durable = keep.clone();
            }
        }
        dead = false;
    }

    private static boolean startsWith(byte[] all, byte[] prefix) {
        return all.length >= prefix.length && Arrays.equals(all, 0, prefix.length, prefix, 0, prefix.length);
    }

    @Override
    public boolean concurrent() {
        return false; // one thread runs every site: waiting for another thread's append would only waste time
    }

    @Override
    public String storeLocation(Path path) {
        return "memFS:" + storePrefix + "/" + path.getFileName();
    }

    @Override
    public synchronized StorageFile open(Path path, boolean create) throws IOException {
        FileData data = files.get(path);
        if (data == null) {
            if (!create) {
                throw new FileNotFoundException(path.toString());
            }
            if (!dead) {
                data = new FileData();
                files.put(path, data);
            } else {
                data = new FileData();
            }
        }
        FileData file = data;
        return new StorageFile() {
            @Override
            public long size() {
                synchronized (SimDisk.this) {
                    return file.written.length;
                }
            }

            @Override
            public int read(ByteBuffer dst, long position) {
                synchronized (SimDisk.this) {
                    if (position >= file.written.length) {
                        return -1;
                    }
                    int n = (int) Math.min(dst.remaining(), file.written.length - position);
                    dst.put(file.written, (int) position, n);
                    return n;
                }
            }

            @Override
            public void write(ByteBuffer src, long position) {
                synchronized (SimDisk.this) {
                    int n = src.remaining();
                    if (dead) {
                        src.position(src.limit());
                        return;
                    }
                    long end = position + n;
                    if (end > file.written.length) {
                        file.written = Arrays.copyOf(file.written, (int) end);
                    }
                    src.get(file.written, (int) position, n);
                }
            }

            @Override
            public void force() {
                synchronized (SimDisk.this) {
                    if (!dead) {
                        file.durable = file.written.clone();
                    }
                }
            }

            @Override
            public void truncate(long size) {
                synchronized (SimDisk.this) {
                    if (!dead && size < file.written.length) {
                        file.written = Arrays.copyOf(file.written, (int) size);
                        // a truncation that shortens below the durable bytes is durable once forced; be strict
                        if (file.durable.length > size) {
                            file.durable = Arrays.copyOf(file.durable, (int) size);
                        }
                    }
                }
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public synchronized boolean exists(Path path) {
        return files.containsKey(path);
    }

    @Override
    public synchronized List<Path> list(Path dir) {
        List<Path> result = new ArrayList<>();
        for (Path p : files.keySet()) {
            if (dir.equals(p.getParent())) {
                result.add(p);
            }
        }
        return result;
    }

    @Override
    public synchronized void delete(Path path) {
        if (!dead) {
            files.remove(path);
        }
    }

    @Override
    public void createDirectories(Path dir) {
    }

    @Override
    public void syncDirectory(Path dir) {
    }

    @Override
    public synchronized void writeAtomically(Path path, byte[] content) {
        if (dead) {
            return;
        }
        FileData data = new FileData();
        data.written = content.clone();
        data.durable = content.clone();
        files.put(path, data);
    }

    @Override
    public synchronized byte[] readAll(Path path) throws IOException {
        FileData data = files.get(path);
        if (data == null) {
            throw new FileNotFoundException(path.toString());
        }
        return data.written.clone();
    }

    /** How many bytes of {@code path} were fsynced (for invariants; no copy). */
    public synchronized long durableLength(Path path) {
        FileData data = files.get(path);
        return data == null ? 0 : data.durable.length;
    }

    /** How many bytes of {@code path} were handed to the OS (for invariants; no copy). */
    public synchronized long writtenLength(Path path) {
        FileData data = files.get(path);
        return data == null ? 0 : data.written.length;
    }

    /** Bytes fsynced in {@code path} (for invariants). */
    public synchronized byte[] durableBytes(Path path) {
        FileData data = files.get(path);
        return data == null ? new byte[0] : data.durable.clone();
    }
}
