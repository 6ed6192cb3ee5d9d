package dev.repdb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.Database;
import dev.repdb.Durability;
import dev.repdb.Environment;
import dev.repdb.EnvironmentConfig;
import dev.repdb.TestAccess;
import dev.repdb.Transaction;
import dev.repdb.log.FileStorage;
import dev.repdb.log.Lsn;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rolling back commit records with their undo images restores exactly the earlier state. */
class RollbackTest {

    @TempDir
    Path dir;

    private static final EnvironmentConfig CONFIG = EnvironmentConfig.builder().durability(Durability.NO_SYNC)
            .segmentSize(64 << 10).maxRecordSize(16 << 10).build();

    /** Applies one random transaction: puts, overwrites, deletes, sometimes a new database. */
    private static void randomCommit(Environment env, Random random) {
        if (random.nextInt(10) == 0) {
            env.openDatabase("db" + random.nextInt(5));
        }
        List<String> names = env.databaseNames();
        if (names.isEmpty()) {
            env.openDatabase("db0");
            names = env.databaseNames();
        }
        try (Transaction txn = env.beginTransaction()) {
            int ops = 1 + random.nextInt(6);
            for (int i = 0; i < ops; i++) {
                Database db = env.openDatabase(names.get(random.nextInt(names.size())));
                byte[] key = new byte[] {(byte) random.nextInt(40)};
                if (random.nextInt(4) == 0) {
                    db.delete(txn, key);
                } else {
                    byte[] value = new byte[random.nextInt(50)];
                    random.nextBytes(value);
                    db.put(txn, key, value);
                }
            }
            txn.commit();
        }
    }

    @Test
    void undoingCommitsInReverseRestoresEveryEarlierState() {
        long seed = Long.getLong("repdb.rollback.seed", System.nanoTime());
        int rounds = 25;
        for (int round = 0; round < rounds; round++) {
            Random random = new Random(seed + round);
            Path home = dir.resolve("r" + round);
            List<Lsn> lsns = new ArrayList<>();
            List<Map<String, Map<String, String>>> states = new ArrayList<>();
            Environment env = Environment.open(home, CONFIG);
            try {
                lsns.add(env.engine().lastLsn());
                states.add(EngineTestSupport.dump(env));
                int commits = 20 + random.nextInt(120);
                for (int i = 0; i < commits; i++) {
                    randomCommit(env, random);
                    if (random.nextInt(30) == 0) {
                        env.checkpoint();
                    }
                    lsns.add(env.engine().lastLsn());
                    states.add(EngineTestSupport.dump(env));
                }
                // roll back in a few random steps, each checked against the recorded state
                int at = lsns.size() - 1;
                while (at > 0) {
                    at = random.nextInt(at);
                    Engine.RollbackResult result = env.engine().rollbackTo(lsns.get(at));
                    String where = "seed " + (seed + round) + ", rollback to #" + at + " " + lsns.get(at);
                    assertEquals(states.get(at), EngineTestSupport.dump(env), where);
                    assertEquals(lsns.get(at), env.engine().lastLsn(), where);
                    assertTrue(result.transactions() >= 0);
                    if (random.nextBoolean()) {
                        env.close();
                        env = Environment.open(home, CONFIG);
                        assertEquals(states.get(at), EngineTestSupport.dump(env), where + " after reopen");
                    }
                }
            } finally {
                env.close();
            }
        }
    }

    @Test
    void anInterruptedRollbackIsFinishedByRecovery() throws Exception {
        Path home = dir.resolve("interrupted");
        Random random = new Random(7);
        Environment env = Environment.open(home, CONFIG);
        for (int i = 0; i < 30; i++) {
            randomCommit(env, random);
        }
        env.checkpoint();
        Lsn keep = env.engine().lastLsn();
        Map<String, Map<String, String>> expected = EngineTestSupport.dump(env);
        for (int i = 0; i < 30; i++) {
            randomCommit(env, random);
        }
        env.engine().log().force();
        // the rollback got as far as its durable marker, then the process died
        FileStorage.INSTANCE.writeAtomically(home.resolve("rollback"),
                ("rollback-to " + keep + "\n").getBytes(StandardCharsets.US_ASCII));
        TestAccess.crash(env);
        try (Environment reopened = Environment.open(home, CONFIG)) {
            assertEquals(expected, EngineTestSupport.dump(reopened));
            assertEquals(keep, reopened.engine().lastLsn());
            assertFalse(home.resolve("rollback").toFile().exists(), "the marker is removed when done");
        }
    }

    @Test
    void aDamagedRollbackMarkerIsAClearErrorAndNothingIsLost() throws Exception {
        Path home = dir.resolve("damaged");
        try (Environment env = Environment.open(home, CONFIG)) {
            randomCommit(env, new Random(1));
        }
        FileStorage.INSTANCE.writeAtomically(home.resolve("rollback"), "garbage".getBytes(StandardCharsets.UTF_8));
        StoreFormatException e = assertThrows(StoreFormatException.class, () -> Environment.open(home, CONFIG));
        assertTrue(e.getMessage().contains("rollback marker"), e.getMessage());
        home.resolve("rollback").toFile().delete();
        try (Environment env = Environment.open(home, CONFIG)) {
            assertFalse(env.databaseNames().isEmpty());
        }
    }

    @Test
    void readersSeeARollbackAllAtOnce() throws Exception {
        try (Environment env = Environment.open(dir.resolve("visible"), CONFIG)) {
            Database db = env.openDatabase("pairs");
            byte[] x = "x".getBytes(StandardCharsets.UTF_8);
            byte[] y = "y".getBytes(StandardCharsets.UTF_8);
            List<Lsn> lsns = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                try (Transaction txn = env.beginTransaction()) {
                    byte[] v = Integer.toString(i).getBytes(StandardCharsets.UTF_8);
                    db.put(txn, x, v);
                    db.put(txn, y, v);
                    lsns.add(txn.commit().lsn());
                }
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<String> mismatch = new AtomicReference<>();
            Thread reader = new Thread(() -> {
                while (!stop.get()) {
                    try (Transaction txn = env.beginTransaction()) {
                        String a = new String(db.get(txn, x), StandardCharsets.UTF_8);
                        String b = new String(db.get(txn, y), StandardCharsets.UTF_8);
                        if (!a.equals(b)) {
                            mismatch.compareAndSet(null, a + " != " + b);
                        }
                    }
                }
            });
            reader.start();
            for (int i = 198; i >= 0; i -= 7) {
                env.engine().rollbackTo(lsns.get(i));
                assertEquals(Integer.toString(i), new String(db.get(x), StandardCharsets.UTF_8));
            }
            stop.set(true);
            reader.join();
            assertNull(mismatch.get(), "a reader saw half a rollback");
        }
    }

    @Test
    void rollingBackBeforeTheFirstRecordStillOnDiskIsRefused() {
        try (Environment env = Environment.open(dir.resolve("archived"), CONFIG)) {
            Random random = new Random(3);
            while (env.engine().log().segmentCount() < 4) {
                randomCommit(env, random);
            }
            Lsn early = env.engine().firstLsn();
            env.checkpoint();
            assertTrue(env.engine().removeLogBefore(env.engine().lastLsn()) > 0);
            assertTrue(env.engine().firstLsn().isAfter(early));
            Map<String, Map<String, String>> before = EngineTestSupport.dump(env);
            assertThrows(IllegalArgumentException.class, () -> env.engine().rollbackTo(early));
            assertEquals(before, EngineTestSupport.dump(env));
        }
    }
}
