package dev.repdb.rep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.Database;
import dev.repdb.Environment;
import dev.repdb.EnvironmentConfig;
import dev.repdb.NotMasterException;
import dev.repdb.Transaction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replication state kept outside the log: site id, started flag, generations. */
class RepMetaTest {

    @TempDir
    Path home;

    private static final Transport NOWHERE = (envId, control, rec, lsn, flags) -> { };

    private Environment open() {
        return Environment.open(home, EnvironmentConfig.builder().nsites(1).build());
    }

    @Test
    void aHomeKeepsItsSiteIdAndRefusesAnother() {
        try (Environment env = open()) {
            env.replication().setTransport(4, NOWHERE);
        }
        try (Environment env = open()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> env.replication().setTransport(5, NOWHERE));
            assertTrue(e.getMessage().contains("site 4"), e.getMessage());
            env.replication().setTransport(4, NOWHERE);
        }
    }

    @Test
    void onceReplicationStartedWritesNeedStartMasterAgainAfterARestart() {
        try (Environment env = open()) {
            env.replication().setTransport(1, NOWHERE);
            env.replication().start(RepRole.MASTER, new byte[0]);
            put(env);
            assertEquals(1, env.replication().generation());
        }
        try (Environment env = open()) {
            env.replication().setTransport(1, NOWHERE);
            assertThrows(NotMasterException.class, () -> put(env));
            env.replication().start(RepRole.MASTER, new byte[0]);
            put(env);
            assertEquals(2, env.replication().generation(), "a new generation each time a master starts");
        }
    }

    @Test
    void aStandaloneEnvironmentWritesWithoutReplication() {
        try (Environment env = open()) {
            put(env);
        }
    }

    @Test
    void aDamagedReplicationStateIsAClearErrorNotAReset() throws Exception {
        try (Environment env = open()) {
            env.replication().setTransport(1, NOWHERE);
            env.replication().start(RepRole.MASTER, new byte[0]);
        }
        Path meta = home.resolve("rep.meta");
        String text = Files.readString(meta).replace("generation=1", "generation=7");
        Files.writeString(meta, text);
        IllegalStateException e = assertThrows(IllegalStateException.class, this::open);
        assertTrue(e.getMessage().contains("rep.meta"), e.getMessage());
        assertEquals(text, Files.readString(meta), "left as it was");
    }

    private static void put(Environment env) {
        Database db = env.openDatabase("d");
        try (Transaction txn = env.beginTransaction()) {
            db.put(txn, "k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8));
            txn.commit();
        }
    }
}
