package dev.repdb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.repdb.log.Lsn;
import dev.repdb.rep.RepRole;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Environment#database}: the handle {@code @Inject @RepdbDatabase} gives writes nothing until written through. */
class DatabaseHandleTest {
    @TempDir
    Path home;

    @Test
    void aHandleWritesNothingUntilTheFirstWriteCreatesTheDatabase() {
        try (Environment env = Environment.open(home, EnvironmentConfig.builder().build())) {
            Lsn before = env.engine().lastLsn();
            Database orders = env.database("orders");
            assertNull(orders.get("k".getBytes(UTF_8)));
            assertEquals(List.of(), orders.scan(null, null));
            assertEquals(List.of(), env.databaseNames(), "taking the handle created nothing");
            assertEquals(before, env.engine().lastLsn(), "and wrote no log record");

            try (Transaction txn = env.beginTransaction()) {
                orders.put(txn, "k".getBytes(UTF_8), "v".getBytes(UTF_8));
                txn.commit();
            }
            assertEquals(List.of("orders"), env.databaseNames());
            assertArrayEquals("v".getBytes(UTF_8), env.openDatabase("orders").get("k".getBytes(UTF_8)));
        }
    }

    @Test
    void onAClientAHandleOfAnUncreatedDatabaseReadsEmptyAndAWriteIsRefusedWithoutAnyRecord() {
        try (Environment env = Environment.open(home, EnvironmentConfig.builder().build())) {
            env.replication().setTransport(2, (envId, control, rec, lsn, flags) -> { });
            env.replication().start(RepRole.CLIENT, new byte[0]);
            Lsn before = env.engine().lastLsn();
            Database orders = env.database("orders");
            assertNull(orders.get("k".getBytes(UTF_8)));
            assertThrows(NotMasterException.class, () -> {
                try (Transaction txn = env.beginTransaction()) {
                    orders.put(txn, "k".getBytes(UTF_8), "v".getBytes(UTF_8));
                    txn.commit();
                }
            });
            assertEquals(List.of(), env.databaseNames());
            assertEquals(before, env.engine().lastLsn());
        }
    }

    @Test
    void aBadNameIsRefusedAtOnce() {
        try (Environment env = Environment.open(home, EnvironmentConfig.builder().build())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> env.database(""));
            assertEquals("a database name has 1 to 1024 UTF-8 bytes: ''", e.getMessage());
        }
    }
}
