package dev.repdb.store;

import static org.junit.jupiter.api.Assertions.*;

import dev.repdb.Database;
import dev.repdb.Durability;
import dev.repdb.Environment;
import dev.repdb.EnvironmentConfig;
import dev.repdb.TestAccess;
import dev.repdb.Transaction;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaxRecordSizeChangeTest {
    @TempDir
    Path dir;

    /** Lowering maxRecordSize between runs turns a durable record into a "torn tail" that is silently cut. */
    @Test
    void smallerMaxRecordSizeOnReopenCutsDurableCommits() {
        Path home = dir.resolve("h");
        EnvironmentConfig big = EnvironmentConfig.builder().durability(Durability.SYNC).maxRecordSize(1 << 20).build();
        EnvironmentConfig small = EnvironmentConfig.builder().durability(Durability.SYNC).maxRecordSize(16 << 10).build();
        Environment env = Environment.open(home, big);
        env.checkpoint();
        Database db = env.openDatabase("d");
        try (Transaction txn = env.beginTransaction()) {
            db.put(txn, new byte[] {1}, new byte[100_000]);
            txn.commit();
        }
        try (Transaction txn = env.beginTransaction()) {
            db.put(txn, new byte[] {2}, new byte[] {2});
            txn.commit();
        }
        TestAccess.crash(env);  // process dies after the SYNC commits returned
        try (Environment again = Environment.open(home, small)) {
            assertNotNull(again.openDatabase("d").get(new byte[] {2}), "acknowledged SYNC commit silently cut");
        }
    }
}
