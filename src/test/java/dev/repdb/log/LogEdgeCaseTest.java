package dev.repdb.log;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogEdgeCaseTest {
    @TempDir
    Path dir;
    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    /** Reading a record that is already written out while newer records sit in the write buffer. */
    @Test
    void readWhileNewerRecordsAreBuffered() {
        try (Log log = Log.open(FileStorage.INSTANCE, dir, LogConfig.DEFAULT, executor, Lsn.ZERO)) {
            Lsn a = log.append(new byte[100]);
            log.append(new byte[100]);
            log.read(a);                 // drains the buffer: written == end
            log.append(new byte[100]);   // buffered, not in the file
            LogRecord r = log.read(a);   // read-ahead window runs into the buffered bytes
            assertEquals(a, r.lsn());
        }
    }

    /** Same through readFrom / next (what a replication master does while commits continue). */
    @Test
    void readFromWhileCommitsContinue() {
        try (Log log = Log.open(FileStorage.INSTANCE, dir, LogConfig.DEFAULT, executor, Lsn.ZERO)) {
            Lsn a = log.append(new byte[100]);
            log.writeOut(a);
            log.append(new byte[100]);
            assertEquals(2, log.readFrom(a, 1 << 20).size());
        }
    }

    /** A process crash in the middle of truncateAfter's deletion loop leaves a gap in the segment numbers. */
    @Test
    void crashInTruncateDeletionLoopLeavesUnopenableLog() throws Exception {
        LogConfig small = new LogConfig(4096, 1 << 20, 4096);
        Lsn keep;
        try (Log log = Log.open(FileStorage.INSTANCE, dir, small, executor, Lsn.ZERO)) {
            keep = log.append(new byte[300]);
            for (int i = 0; i < 60; i++) {
                log.append(new byte[300]);
            }
            assertTrue(log.segmentCount() >= 4);
        }
        // truncateAfter(keep) deletes the highest segment first; a crash after the first deletion leaves a
        // contiguous prefix that opens, and the rollback marker lets recovery finish the truncation
        int highest;
        try (var files = Files.list(dir)) {
            highest = files.mapToInt(Segment::numberOf).max().orElseThrow();
        }
        Files.delete(dir.resolve(Segment.fileName(highest)));
        try (Log reopened = Log.open(FileStorage.INSTANCE, dir, small, executor, Lsn.ZERO)) {
            assertEquals(keep, reopened.firstLsn());
            reopened.truncateAfter(keep);
            assertEquals(keep, reopened.lastLsn());
        }
    }

    /** An LSN from a peer that is inside a record (not at a record start) is reported as corruption. */
    @Test
    void unalignedLsnIsReportedAsCorruption() {
        try (Log log = Log.open(FileStorage.INSTANCE, dir, LogConfig.DEFAULT, executor, Lsn.ZERO)) {
            Lsn a = log.append(new byte[100]);
            log.append(new byte[100]);
            log.force();
            assertThrows(IllegalArgumentException.class, () -> log.read(new Lsn(a.file(), a.offset() + 20)));
        }
    }

    /** A rejected sync task leaves syncRunning set: later syncs never complete and close hangs. */
    @Test
    void rejectedSyncExecutorWedgesTheLog() throws Exception {
        ExecutorService dead = Executors.newSingleThreadExecutor();
        dead.shutdown();
        Log log = Log.open(FileStorage.INSTANCE, dir, LogConfig.DEFAULT, dead, Lsn.ZERO);
        Lsn a = log.append(new byte[10]);
        try {
            log.sync(a);
        } catch (RuntimeException expected) {
            // RejectedExecutionException escapes sync()
        }
        Thread closer = new Thread(log::close);
        closer.setDaemon(true);
        closer.start();
        closer.join(3000);
        assertFalse(closer.isAlive(), "Log.close() hangs forever in awaitSyncIdle()");
    }
}
