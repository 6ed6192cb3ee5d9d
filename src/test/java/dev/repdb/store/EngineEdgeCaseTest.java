package dev.repdb.store;

import static org.junit.jupiter.api.Assertions.*;

import dev.repdb.Database;
import dev.repdb.Durability;
import dev.repdb.Environment;
import dev.repdb.EnvironmentConfig;
import dev.repdb.Transaction;
import dev.repdb.log.Lsn;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineEdgeCaseTest {
    @TempDir
    Path dir;

    private static final EnvironmentConfig CONFIG = EnvironmentConfig.builder().durability(Durability.SYNC).build();

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Lsn put(Environment env, Database db, String k, String v) {
        try (Transaction txn = env.beginTransaction()) {
            db.put(txn, b(k), b(v));
            return txn.commit().lsn();
        }
    }

    /**
     * Crash after truncateAfter but before the marker is deleted: recovery's rollbackTo returns early (nothing
     * after keep), so the marker is never deleted; every later recovery rolls back to the old keep again, undoing
     * acknowledged SYNC commits.
     */
    @Test
    void staleRollbackMarkerUndoesLaterSyncCommits() throws Exception {
        Path home = dir.resolve("h");
        Lsn keep;
        try (Environment env = Environment.open(home, CONFIG)) {
            Database db = env.openDatabase("d");
            keep = put(env, db, "a", "1");
            put(env, db, "b", "2");
            env.engine().rollbackTo(keep);
        }
        // the state a crash between log.truncateAfter(keep) and deleteRollbackMarker() leaves behind
        Files.writeString(home.resolve("rollback"), "rollback-to " + keep + "\n");
        try (Environment env = Environment.open(home, CONFIG)) {  // "finishes" the rollback: a no-op
            Database db = env.openDatabase("d");
            put(env, db, "c", "3");                                  // acknowledged SYNC commit
            assertArrayEquals(b("3"), db.get(b("c")));
        }
        try (Environment env = Environment.open(home, CONFIG)) {
            assertArrayEquals(b("3"), env.openDatabase("d").get(b("c")), "acknowledged SYNC commit lost");
        }
    }

    /** rollbackTo an LSN inside a record: marker, undo and store checkpoint happen, then truncate throws. */
    @Test
    void rollbackToAnLsnThatIsNotARecordBricksTheHome() {
        Path home = dir.resolve("h2");
        try (Environment env = Environment.open(home, CONFIG)) {
            Database db = env.openDatabase("d");
            Lsn first = put(env, db, "a", "1");
            put(env, db, "b", "2");
            Lsn bogus = new Lsn(first.file(), first.offset() + 3);
            Lsn lastBefore = env.engine().lastLsn();
            assertThrows(IllegalArgumentException.class, () -> env.engine().rollbackTo(bogus));
            // refused before any change: nothing undone, no marker, the engine still usable
            assertEquals("2", new String(db.get(b("b")), java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(lastBefore, env.engine().lastLsn());
            assertTrue(env.engine().failure().isEmpty());
            assertFalse(home.resolve("rollback").toFile().exists());
        }
    }

    @Test
    void rollbackToAnLsnThatIsNotARecordThenReopen() {
        Path home = dir.resolve("h3");
        try (Environment env = Environment.open(home, CONFIG)) {
            Database db = env.openDatabase("d");
            Lsn first = put(env, db, "a", "1");
            put(env, db, "b", "2");
            Lsn bogus = new Lsn(first.file(), first.offset() + 3);
            assertThrows(RuntimeException.class, () -> env.engine().rollbackTo(bogus));
        }
        Environment.open(home, CONFIG).close();  // throws: recovery re-runs the rollback to the bogus LSN
    }

    /** A well-framed replicated CreateDatabase whose id is taken by another name aliases two databases. */
    @Test
    void replicatedCreateDatabaseWithTakenIdAliases() {
        try (Environment client = Environment.open(dir.resolve("c"), CONFIG)) {
            Engine e = client.engine();
            e.applyReplicated(new Lsn(1, 32), LogEntryCodec.encode(new LogEntry.CreateDatabase(1, 1, "a")));
            Lsn next = e.endLsn();
            assertThrows(InvalidRecordException.class,
                    () -> e.applyReplicated(next, LogEntryCodec.encode(new LogEntry.CreateDatabase(1, 1, "b"))));
            assertEquals(List.of("a"), e.databaseNames(), "database id 1 must not get a second name");
            assertEquals(next, e.endLsn(), "nothing appended");
        }
    }

    /** ... and one whose name exists with another id is appended to the log, then fails the environment. */
    @Test
    void replicatedCreateDatabaseWithTakenNameFailsAndPersists() {
        Path home = dir.resolve("c2");
        try (Environment client = Environment.open(home, CONFIG)) {
            Engine e = client.engine();
            e.applyReplicated(new Lsn(1, 32), LogEntryCodec.encode(new LogEntry.CreateDatabase(1, 1, "a")));
            Lsn next = e.endLsn();
            assertThrows(InvalidRecordException.class,
                    () -> e.applyReplicated(next, LogEntryCodec.encode(new LogEntry.CreateDatabase(1, 2, "a"))));
            assertTrue(e.failure().isEmpty(), "environment failed by a bad replicated record");
            assertEquals(next, e.endLsn(), "the bad record was appended to the log");
        }
    }

    /** A checkpoint (or the final checkpoint of close) during a snapshot install persists a partial install. */
    @Test
    void checkpointDuringInstallPersistsPartialState() {
        Path home = dir.resolve("i");
        try (Environment client = Environment.open(home, CONFIG)) {
            SnapshotInstaller installer = client.engine().installSnapshot();
            installer.add(new StoreSnapshot.DatabaseItem(1, "a"));
            installer.add(new StoreSnapshot.EntryItem(1, b("k"), b("v")));
            // process stops here (close runs its final checkpoint)
        }
        try (Environment client = Environment.open(home, CONFIG)) {
            assertDoesNotThrow(() -> client.engine().installSnapshot().finish(Lsn.ZERO, 0),
                    "the half-installed site can no longer be re-initialized; dbs=" + client.databaseNames());
        }
    }
}
