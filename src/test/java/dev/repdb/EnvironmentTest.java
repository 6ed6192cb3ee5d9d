package dev.repdb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvironmentTest {

    @TempDir
    Path home;

    static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    static String s(byte[] bytes) {
        return bytes == null ? null : new String(bytes, UTF_8);
    }

    private Environment open() {
        return Environment.open(home, EnvironmentConfig.builder().build());
    }

    @Test
    void committedWritesAreReadAndSurviveReopen() {
        CommitToken token;
        try (Environment env = open()) {
            Database db = env.openDatabase("orders");
            try (Transaction txn = env.beginTransaction()) {
                db.put(txn, b("k1"), b("v1"));
                db.put(txn, b("k2"), b("v2"));
                db.delete(txn, b("k2"));
                assertEquals("v1", s(db.get(txn, b("k1"))), "a transaction reads its own writes");
                assertNull(db.get(txn, b("k2")));
                assertNull(db.get(b("k1")), "uncommitted writes are invisible to others");
                token = txn.commit();
            }
            assertEquals("v1", s(db.get(b("k1"))));
            assertEquals(token, CommitToken.parse(token.toString()));
        }
        try (Environment env = open()) {
            assertEquals("v1", s(env.openDatabase("orders").get(b("k1"))));
            assertNull(env.openDatabase("orders").get(b("k2")));
            assertEquals(List.of("orders"), env.databaseNames());
        }
    }

    @Test
    void closingAnUncommittedTransactionAbortsIt() {
        try (Environment env = open()) {
            Database db = env.openDatabase("d");
            try (Transaction txn = env.beginTransaction()) {
                db.put(txn, b("k"), b("v"));
            }
            assertNull(db.get(b("k")));
            Transaction txn = env.beginTransaction();
            db.put(txn, b("k"), b("v"));
            txn.abort();
            assertThrows(IllegalStateException.class, txn::commit);
            assertNull(db.get(b("k")));
        }
    }

    @Test
    void transactionsReadASnapshotAndFirstCommitterWins() {
        try (Environment env = open()) {
            Database db = env.openDatabase("d");
            try (Transaction setup = env.beginTransaction()) {
                db.put(setup, b("x"), b("0"));
                db.put(setup, b("y"), b("0"));
                setup.commit();
            }
            Transaction t1 = env.beginTransaction();
            Transaction t2 = env.beginTransaction();
            db.put(t1, b("x"), b("1"));
            db.put(t1, b("y"), b("1"));
            t1.commit();
            // t2 still sees the state as of its start, on both keys
            assertEquals("0", s(db.get(t2, b("x"))));
            assertEquals("0", s(db.get(t2, b("y"))));
            assertEquals("1", s(db.get(b("x"))));
            db.put(t2, b("x"), b("2"));
            assertThrows(TransactionConflictException.class, t2::commit);
            assertFalse(t2.isActive());
            assertEquals("1", s(db.get(b("x"))));
            // writes to other keys do not conflict
            Transaction t3 = env.beginTransaction();
            Transaction t4 = env.beginTransaction();
            db.put(t3, b("a"), b("3"));
            db.put(t4, b("b"), b("4"));
            t3.commit();
            t4.commit();
            assertEquals("3", s(db.get(b("a"))));
            assertEquals("4", s(db.get(b("b"))));
        }
    }

    @Test
    void scansAreOrderedAsUnsignedBytesAndMergeOwnWrites() {
        try (Environment env = open()) {
            Database db = env.openDatabase("d");
            try (Transaction txn = env.beginTransaction()) {
                db.put(txn, new byte[] {(byte) 0x80}, b("high"));
                db.put(txn, new byte[] {0x01}, b("low"));
                db.put(txn, new byte[] {0x7f}, b("mid"));
                db.put(txn, new byte[] {(byte) 0xff, 0}, b("top"));
                txn.commit();
            }
            List<KeyValue> all = db.scan(null, null);
            assertEquals(List.of("low", "mid", "high", "top"), all.stream().map(kv -> s(kv.value())).toList());
            List<KeyValue> range = db.scan(new byte[] {0x7f}, new byte[] {(byte) 0xff});
            assertEquals(List.of("mid", "high"), range.stream().map(kv -> s(kv.value())).toList());
            try (Transaction txn = env.beginTransaction()) {
                db.delete(txn, new byte[] {0x7f});
                db.put(txn, new byte[] {0x02}, b("new"));
                db.put(txn, new byte[] {(byte) 0x80}, b("changed"));
                assertEquals(List.of("low", "new", "changed", "top"),
                        db.scan(txn, null, null).stream().map(kv -> s(kv.value())).toList());
            }
        }
    }

    @Test
    void aSnapshotScanDoesNotSeeLaterCommitsOrDeletions() {
        try (Environment env = open()) {
            Database db = env.openDatabase("d");
            try (Transaction txn = env.beginTransaction()) {
                for (int i = 0; i < 10; i++) {
                    db.put(txn, b("k" + i), b("v" + i));
                }
                txn.commit();
            }
            try (Transaction reader = env.beginTransaction()) {
                try (Transaction writer = env.beginTransaction()) {
                    db.delete(writer, b("k3"));
                    db.put(writer, b("k35"), b("inserted"));
                    db.put(writer, b("k5"), b("changed"));
                    writer.commit();
                }
                List<KeyValue> seen = db.scan(reader, null, null);
                assertEquals(10, seen.size());
                assertEquals("v3", s(seen.get(3).value()));
                assertEquals("v5", s(seen.get(5).value()));
                assertEquals(11 - 1, db.scan(null, null).size());
            }
        }
    }

    @Test
    void durabilitiesAllCommitAndRecover() {
        try (Environment env = Environment.open(home, EnvironmentConfig.builder().durability(Durability.NO_SYNC)
                .build())) {
            Database db = env.openDatabase("d");
            for (Durability d : Durability.values()) {
                try (Transaction txn = env.beginTransaction()) {
                    db.put(txn, b(d.name()), b("x"));
                    CompletionStage<CommitToken> stage = txn.commitAsync(d);
                    assertTrue(stage.toCompletableFuture().join().lsn().file() >= 1);
                }
            }
        }
        try (Environment env = open()) {
            Database db = env.openDatabase("d");
            for (Durability d : Durability.values()) {
                assertEquals("x", s(db.get(b(d.name()))), d.name());
            }
        }
    }

    @Test
    void recoveryReplaysTheLogAfterTheLastCheckpoint() {
        EnvironmentConfig config = EnvironmentConfig.builder().build();
        Environment env = Environment.open(home, config);
        Database db = env.openDatabase("d");
        put(env, db, "before", "1");
        env.checkpoint();
        assertEquals(env.engine().lastLsn(), env.engine().checkpointLsn());
        put(env, db, "after", "2");
        // simulate a crash: the store loses what the checkpoint did not persist; the log keeps its records
        crash(env);
        try (Environment reopened = Environment.open(home, config)) {
            Database d = reopened.openDatabase("d");
            assertEquals("1", s(d.get(b("before"))));
            assertEquals("2", s(d.get(b("after"))), "replayed from the log");
        }
    }

    @Test
    void theStoreNeverWritesInTheBackground() {
        try (Environment env = open()) {
            Database db = env.openDatabase("d");
            env.checkpoint();
            long checkpointed = home.resolve("store.mv").toFile().length();
            byte[] value = new byte[10_000];
            for (int i = 0; i < 300; i++) { // 3 MB: above MVStore's default auto-commit buffer of 1 MB
                try (Transaction txn = env.beginTransaction()) {
                    db.put(txn, b("k" + i), value);
                    txn.commit(Durability.NO_SYNC);
                }
            }
            assertEquals(checkpointed, home.resolve("store.mv").toFile().length(),
                    "the store file changed without a checkpoint");
        }
    }

    @Test
    void aSecondOpenOfTheSameHomeIsRefused() {
        try (Environment env = open()) {
            assertThrows(EnvironmentLockedException.class, this::open);
        }
        open().close();
    }

    @Test
    void configurationRejectsBadValuesNamingTheKnob() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EnvironmentConfig.builder().segmentSize(10));
        assertTrue(e.getMessage().contains("segmentSize"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> EnvironmentConfig.builder().maxRecordSize(-1));
        assertTrue(e.getMessage().contains("maxRecordSize"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> EnvironmentConfig.builder().retainLogBytes(1000));
        assertTrue(e.getMessage().contains("retainLogBytes") && e.getMessage().contains("65536"), e.getMessage());
        assertEquals(1L << 30, EnvironmentConfig.builder().build().replication().retainLogBytes());
        assertEquals(1L << 20, EnvironmentConfig.builder().retainLogBytes(1 << 20).build().replication()
                .retainLogBytes());
    }

    static void put(Environment env, Database db, String key, String value) {
        try (Transaction txn = env.beginTransaction()) {
            db.put(txn, b(key), b(value));
            txn.commit();
        }
    }

    /** Closes without the final checkpoint, as a crash would leave the home (the log is durable: SYNC). */
    static void crash(Environment env) {
        TestAccess.crash(env);
    }
}
