package dev.repdb.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.Database;
import dev.repdb.Durability;
import dev.repdb.Environment;
import dev.repdb.EnvironmentConfig;
import dev.repdb.Transaction;
import dev.repdb.log.LogRecord;
import dev.repdb.log.Lsn;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What replication builds on: reading records, applying them on another site, snapshots. */
class ReplicationSupportTest {

    @TempDir
    Path dir;

    private static final EnvironmentConfig CONFIG = EnvironmentConfig.builder().durability(Durability.NO_SYNC)
            .segmentSize(64 << 10).maxRecordSize(16 << 10).build();

    private static void commitRandom(Environment env, Random random, int count) {
        Database a = env.openDatabase("a");
        Database b = env.openDatabase("b");
        for (int i = 0; i < count; i++) {
            try (Transaction txn = env.beginTransaction()) {
                for (int j = 0; j < 1 + random.nextInt(4); j++) {
                    Database db = random.nextBoolean() ? a : b;
                    byte[] key = ("k" + random.nextInt(300)).getBytes(StandardCharsets.UTF_8);
                    if (random.nextInt(5) == 0) {
                        db.delete(txn, key);
                    } else {
                        byte[] value = new byte[10 + random.nextInt(100)];
                        random.nextBytes(value);
                        db.put(txn, key, value);
                    }
                }
                txn.commit();
            }
        }
    }

    /** Ships every record after {@code after} from master to client, as a replication stream would. */
    private static void ship(Environment master, Environment client, Lsn after) {
        Optional<LogRecord> record = after.isZero() ? Optional.of(master.engine().readRecord(
                master.engine().firstLsn())) : master.engine().nextRecord(master.engine().readRecord(after));
        while (record.isPresent()) {
            client.engine().applyReplicated(record.get().lsn(), record.get().payload());
            record = master.engine().nextRecord(record.get());
        }
    }

    @Test
    void aClientApplyingTheMastersRecordsHasTheSameStateAndTheSameLogBytes() throws Exception {
        try (Environment master = Environment.open(dir.resolve("m"), CONFIG);
             Environment client = Environment.open(dir.resolve("c"), CONFIG)) {
            commitRandom(master, new Random(11), 400);
            ship(master, client, Lsn.ZERO);
            assertEquals(EngineTestSupport.dump(master), EngineTestSupport.dump(client));
            assertEquals(master.engine().lastLsn(), client.engine().lastLsn());
            master.engine().log().force();
            client.engine().log().force();
            int segments = master.engine().log().segmentCount();
            assertTrue(segments > 1);
            for (int n = 1; n <= segments; n++) {
                String name = String.format("log.%010d", n);
                assertArrayEquals(Files.readAllBytes(dir.resolve("m/log").resolve(name)),
                        Files.readAllBytes(dir.resolve("c/log").resolve(name)), name);
            }
        }
    }

    @Test
    void readRecordsOverARangeInOrder() {
        try (Environment env = Environment.open(dir.resolve("r"), CONFIG)) {
            commitRandom(env, new Random(5), 100);
            List<LogRecord> records = env.engine().readRecords(env.engine().firstLsn(), Integer.MAX_VALUE);
            assertEquals(env.engine().lastLsn(), records.get(records.size() - 1).lsn());
            for (int i = 1; i < records.size(); i++) {
                assertTrue(records.get(i).lsn().isAfter(records.get(i - 1).lsn()));
            }
            List<LogRecord> some = env.engine().readRecords(records.get(10).lsn(), 1);
            assertEquals(1, some.size());
            assertEquals(records.get(10).lsn(), some.get(0).lsn());
        }
    }

    @Test
    void aDamagedReplicatedRecordIsRejectedAndChangesNothing() {
        try (Environment master = Environment.open(dir.resolve("m2"), CONFIG);
             Environment client = Environment.open(dir.resolve("c2"), CONFIG)) {
            commitRandom(master, new Random(2), 20);
            ship(master, client, Lsn.ZERO);
            Map<String, Map<String, String>> before = EngineTestSupport.dump(client);
            Lsn end = client.engine().endLsn();
            byte[] garbage = {1, 0, 0, 0, 0, 0x7f, 0x7f, 0x7f, 0x7f};
            assertThrows(InvalidRecordException.class, () -> client.engine().applyReplicated(end, garbage));
            byte[] unknownDb = LogEntryCodec.encode(new LogEntry.Commit(0, List.of(
                    new LogEntry.Op(99, new byte[] {1}, null, new byte[] {2}))));
            assertThrows(InvalidRecordException.class, () -> client.engine().applyReplicated(end, unknownDb));
            assertEquals(before, EngineTestSupport.dump(client));
            assertEquals(end, client.engine().endLsn());
            assertTrue(client.engine().failure().isEmpty());
        }
    }

    @Test
    void aSnapshotTakenDuringCommitsInstallsAndTheLogTailCatchesUp() {
        try (Environment master = Environment.open(dir.resolve("m3"), CONFIG);
             Environment client = Environment.open(dir.resolve("c3"), CONFIG)) {
            Random random = new Random(9);
            commitRandom(master, random, 300);
            Map<String, Map<String, String>> atSnapshot = EngineTestSupport.dump(master);
            try (StoreSnapshot snapshot = master.engine().snapshot()) {
                Lsn lsn = snapshot.lsn();
                assertEquals(master.engine().lastLsn(), lsn);
                commitRandom(master, random, 100); // commits go on while the snapshot streams
                SnapshotInstaller installer = client.engine().installSnapshot();
                // stream half, then resume after the last item delivered (as after a lost message)
                Iterator<StoreSnapshot.Item> items = snapshot.items();
                StoreSnapshot.Item last = null;
                List<StoreSnapshot.Item> firstHalf = new ArrayList<>();
                for (int i = 0; i < 150 && items.hasNext(); i++) {
                    last = items.next();
                    firstHalf.add(last);
                    installer.add(last);
                }
                Iterator<StoreSnapshot.Item> rest = snapshot.itemsAfter(last);
                while (rest.hasNext()) {
                    installer.add(rest.next());
                }
                installer.finish(lsn, snapshot.generation());
                assertEquals(atSnapshot, EngineTestSupport.dump(client));
                assertEquals(lsn, client.engine().appliedLsn());
                ship(master, client, lsn);
            }
            assertEquals(EngineTestSupport.dump(master), EngineTestSupport.dump(client));
        }
        // the initialized client recovers: its checkpoint is the snapshot, its log starts after it
        try (Environment client = Environment.open(dir.resolve("c3"), CONFIG);
             Environment master = Environment.open(dir.resolve("m3"), CONFIG)) {
            assertEquals(EngineTestSupport.dump(master), EngineTestSupport.dump(client));
        }
    }

    @Test
    void aSnapshotIsInstalledOnlyIntoAnEmptyEnvironment() {
        try (Environment env = Environment.open(dir.resolve("full"), CONFIG)) {
            commitRandom(env, new Random(1), 3);
            assertThrows(IllegalStateException.class, () -> env.engine().installSnapshot());
        }
    }
}
