package dev.repdb;

import dev.repdb.log.FileStorage;
import dev.repdb.log.LogConfig;
import dev.repdb.log.Storage;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

/**
 * How an {@link Environment} is opened. Immutable; made with {@link #builder()}. Every knob has a default.
 */
public final class EnvironmentConfig {

    private final Durability durability;
    private final long segmentSize;
    private final int maxRecordSize;
    private final long checkpointBytes;
    private final long checkpointMemoryBytes;
    private final int cacheMegabytes;
    private final ScheduledExecutorService executor;
    private final Storage storage;

    private EnvironmentConfig(Builder b) {
        this.durability = b.durability;
        this.segmentSize = b.segmentSize;
        this.maxRecordSize = b.maxRecordSize;
        this.checkpointBytes = b.checkpointBytes;
        this.checkpointMemoryBytes = b.checkpointMemoryBytes;
        this.cacheMegabytes = b.cacheMegabytes;
        this.executor = b.executor;
        this.storage = b.storage;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The default durability of commits on this site (SYNC). */
    public Durability durability() {
        return durability;
    }

    public long segmentSize() {
        return segmentSize;
    }

    /** The largest commit record, in bytes; this bounds the size of one transaction. */
    public int maxRecordSize() {
        return maxRecordSize;
    }

    public long checkpointBytes() {
        return checkpointBytes;
    }

    public long checkpointMemoryBytes() {
        return checkpointMemoryBytes;
    }

    public int cacheMegabytes() {
        return cacheMegabytes;
    }

    /** The executor for fsyncs and background work, or null for one owned by the environment. */
    public ScheduledExecutorService executor() {
        return executor;
    }

    public Storage storage() {
        return storage;
    }

    LogConfig logConfig() {
        return new LogConfig(segmentSize, maxRecordSize, LogConfig.DEFAULT.writeBufferSize());
    }

    /** Builds an {@link EnvironmentConfig}; each setter checks its value and names the knob when it is bad. */
    public static final class Builder {
        private Durability durability = Durability.SYNC;
        private long segmentSize = 64L << 20;
        private int maxRecordSize = 32 << 20;
        private long checkpointBytes = 64L << 20;
        private long checkpointMemoryBytes = 64L << 20;
        private int cacheMegabytes = 16;
        private ScheduledExecutorService executor;
        private Storage storage = FileStorage.INSTANCE;

        private Builder() {
        }

        /** Default durability of commits: SYNC (default), WRITE_NO_SYNC or NO_SYNC. */
        public Builder durability(Durability durability) {
            this.durability = Objects.requireNonNull(durability, "durability");
            return this;
        }

        /** Size at which a master starts a new log segment file (default 64 MiB, at least 64 KiB). */
        public Builder segmentSize(long bytes) {
            this.segmentSize = atLeast("segmentSize", bytes, 64 << 10);
            return this;
        }

        /** Largest commit record (default 32 MiB, 1 KiB to 1 GiB). */
        public Builder maxRecordSize(int bytes) {
            if (bytes < 1024 || bytes > (1 << 30)) {
                throw new IllegalArgumentException("maxRecordSize must be between 1 KiB and 1 GiB, not " + bytes);
            }
            this.maxRecordSize = bytes;
            return this;
        }

        /** Checkpoint after this many bytes of log (default 64 MiB, at least 64 KiB). */
        public Builder checkpointBytes(long bytes) {
            this.checkpointBytes = atLeast("checkpointBytes", bytes, 64 << 10);
            return this;
        }

        /** Checkpoint once this many bytes of changes are unsaved in the store (default 64 MiB, at least 1 MiB). */
        public Builder checkpointMemoryBytes(long bytes) {
            this.checkpointMemoryBytes = atLeast("checkpointMemoryBytes", bytes, 1 << 20);
            return this;
        }

        /** The store's page cache in MiB (default 16, at least 1). */
        public Builder cacheMegabytes(int megabytes) {
            this.cacheMegabytes = (int) atLeast("cacheMegabytes", megabytes, 1);
            return this;
        }

        /**
         * The executor for group-commit fsyncs and background checkpoints (in a container, the managed one). It
         * needs at least two threads, and no thread of it may wait for a commit. Default: one the environment owns.
         */
        public Builder executor(ScheduledExecutorService executor) {
            this.executor = executor;
            return this;
        }

        /** Where the log is written; a simulation passes a simulated disk. Default: the real file system. */
        public Builder storage(Storage storage) {
            this.storage = Objects.requireNonNull(storage, "storage");
            return this;
        }

        public EnvironmentConfig build() {
            if (segmentSize < (long) maxRecordSize + 64) {
                throw new IllegalArgumentException("segmentSize (" + segmentSize
                        + ") must exceed maxRecordSize (" + maxRecordSize + ")");
            }
            return new EnvironmentConfig(this);
        }

        private static long atLeast(String knob, long value, long minimum) {
            if (value < minimum) {
                throw new IllegalArgumentException(knob + " must be at least " + minimum + ", not " + value);
            }
            return value;
        }
    }
}
