package dev.repdb.log;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogReopenDurabilityTest {
    @TempDir
    Path dir;

    /** After a process crash, bytes only in the page cache are taken as durable: sync() returns without fsync. */
    @Test
    void reopenedLogClaimsUnsyncedRecordsDurable() throws Exception {
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try {
            Log first = Log.open(FileStorage.INSTANCE, dir, LogConfig.DEFAULT, ex, Lsn.ZERO);
            Lsn a = first.append(new byte[50]);
            first.writeOut(a);           // WRITE_NO_SYNC: in the OS, not on disk; then the process dies
            CountingStorage counting = new CountingStorage(FileStorage.INSTANCE);
            long before = counting.forces.get();
            Log second = Log.open(counting, dir, LogConfig.DEFAULT, ex, Lsn.ZERO);
            second.sync(a).get();        // e.g. a client acknowledging 'a' as durable after its restart
            // an fsync must have happened since the restart (at open, or for this sync) before 'a' counts as durable
            assertTrue(counting.forces.get() > before, "sync() completed without any fsync; durable="
                    + second.durableEnd());
        } finally {
            ex.shutdownNow();
        }
    }
}
