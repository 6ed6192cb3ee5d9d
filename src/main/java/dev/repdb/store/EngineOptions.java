package dev.repdb.store;

import dev.repdb.log.LogConfig;
import dev.repdb.log.Storage;
import java.nio.file.Path;
import java.util.concurrent.Executor;

/**
 * How an {@link Engine} is opened.
 *
 * @param home                  the environment's home directory
 * @param storage               where the log and markers are written
 * @param storeFileName         the MVStore file (a path, or an H2 file-system URL such as {@code memFS:})
 * @param logConfig             log tunables
 * @param executor              runs group-commit fsyncs and background checkpoints; must not be the thread that
 *                              waits for a commit
 * @param checkpointBytes       a checkpoint is started once this many bytes were logged since the last one
 * @param checkpointMemoryBytes ... or once the store holds this many bytes of unsaved changes in memory
 * @param cacheMegabytes        the MVStore page cache
 */
public record EngineOptions(Path home, Storage storage, String storeFileName, LogConfig logConfig, Executor executor,
                            long checkpointBytes, long checkpointMemoryBytes, int cacheMegabytes) {
}
