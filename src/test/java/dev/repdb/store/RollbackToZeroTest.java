package dev.repdb.store;

import static org.junit.jupiter.api.Assertions.*;

import dev.repdb.Database;
import dev.repdb.Durability;
import dev.repdb.Environment;
import dev.repdb.EnvironmentConfig;
import dev.repdb.Transaction;
import dev.repdb.log.Lsn;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RollbackToZeroTest {
    @TempDir
    Path dir;

    /** rollbackTo(ZERO) skips the "before the first kept record" check: on an archived log it leaves phantom data. */
    @Test
    void rollbackToZeroOnArchivedLogLeavesBeforeImages() {
        EnvironmentConfig cfg = EnvironmentConfig.builder().durability(Durability.NO_SYNC)
                .segmentSize(64 << 10).maxRecordSize(16 << 10).build();
        try (Environment env = Environment.open(dir.resolve("h"), cfg)) {
            Database db = env.openDatabase("d");
            for (int i = 0; i < 200; i++) {
                try (Transaction txn = env.beginTransaction()) {
                    db.put(txn, new byte[] {1}, new byte[1000]);
                    txn.commit();
                }
            }
            env.checkpoint();
            assertTrue(env.engine().removeLogBefore(env.engine().lastLsn()) > 0);
            Lsn last = env.engine().lastLsn();
            // the records before the log's first one are gone, so "empty" cannot be reached by undo: refused
            assertThrows(IllegalArgumentException.class, () -> env.engine().rollbackTo(Lsn.ZERO));
            assertEquals(last, env.engine().appliedLsn());
            assertNotNull(db.get(new byte[] {1}));
        }
    }
}
