package dev.repdb.rep;

import static dev.repdb.rep.TestGroup.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.AckPolicy;
import dev.repdb.CommitToken;
import dev.repdb.Database;
import dev.repdb.EnvironmentConfig;
import dev.repdb.Transaction;
import dev.repdb.log.Lsn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Client synchronization after a master change: verify, roll back, catch up, initialize, OUTDATED. */
class SyncTest {

    @TempDir
    Path dir;

    private static final Duration WAIT = Duration.ofSeconds(20);

    private static CommitToken commit(TestGroup group, TestGroup.Site master, String key, String value) {
        Database db = master.env.openDatabase("d");
        Transaction txn = master.env.beginTransaction();
        db.put(txn, b(key), b(value));
        CompletableFuture<CommitToken> done = txn.commitAsync().toCompletableFuture();
        group.deliverUntil(done::isDone, WAIT, "commit of " + key);
        return done.join();
    }

    private static byte[] get(TestGroup.Site site, String key) {
        return site.env.openDatabase("d").get(b(key));
    }

    private TestGroup group(int n, Consumer<EnvironmentConfig.Builder> tweak) {
        TestGroup group = new TestGroup(dir, n, b -> {
            b.ackPolicy(AckPolicy.NONE);
            tweak.accept(b);
        });
        for (TestGroup.Site s : group.sites) {
            if (s.id != 1) {
                s.rep().start(RepRole.CLIENT, b("site" + s.id));
            }
        }
        group.site(1).rep().start(RepRole.MASTER, b("site1"));
        group.deliverUntil(() -> group.sites.stream().skip(1).allMatch(TestGroup.Site::sawStartupDone), WAIT,
                "clients finish startup");
        return group;
    }

    @Test
    void anOldMastersDivergentTailIsRolledBackAndTheNewHistoryCaughtUp() {
        try (TestGroup group = group(3, b -> { })) {
            TestGroup.Site old = group.site(1);
            TestGroup.Site next = group.site(2);
            commit(group, old, "common", "1");
            group.deliverUntil(() -> get(next, "common") != null && get(group.site(3), "common") != null, WAIT,
                    "common everywhere");
            // the old master is cut off and writes a tail nobody else sees
            group.dropWhere(e -> e.from() == 1 || e.to() == 1);
            for (int i = 0; i < 5; i++) {
                commit(group, old, "lost" + i, "x");
            }
            // another site is made master and writes the new history
            next.rep().start(RepRole.MASTER, b("site2"));
            group.deliverAll();
            commit(group, next, "new", "2");
            List<Lsn[]> rollbacks = new ArrayList<>();
            old.rep().addListener(new Replication.Listener() {
                @Override
                public void rolledBack(Lsn from, Lsn to, int transactions) {
                    rollbacks.add(new Lsn[] {from, to});
                }
            });
            // the old master rejoins as a client
            group.dropWhere(e -> false);
            old.rep().start(RepRole.CLIENT, b("site1"));
            group.deliverUntil(() -> get(old, "new") != null, WAIT, "the old master catches up");
            for (int i = 0; i < 5; i++) {
                assertNull(get(old, "lost" + i), "the divergent tail was rolled back");
            }
            assertArrayEquals(b("1"), get(old, "common"));
            assertEquals(next.env.engine().lastLsn(), old.env.engine().lastLsn());
            assertEquals(1, rollbacks.size());
            assertTrue(old.rep().stats().counter("rolled_back_txns") >= 5);
            assertTrue(old.saw(RepStatus.NEWMASTER));
        }
    }

    @Test
    void aClientWhoseLogTheMasterNoLongerHasIsInitializedFromASnapshot() {
        try (TestGroup group = group(3, b -> b.segmentSize(64 << 10).maxRecordSize(16 << 10))) {
            TestGroup.Site master = group.site(1);
            TestGroup.Site late = group.site(3);
            commit(group, master, "early", "1");
            group.deliverAll();
            // site 3 goes away; the master writes on and archives its log
            group.dropWhere(e -> e.to() == 3 || e.from() == 3);
            byte[] big = new byte[4000];
            for (int i = 0; i < 100; i++) {
                Database db = master.env.openDatabase("d");
                try (Transaction txn = master.env.beginTransaction()) {
                    db.put(txn, b("k" + i), big);
                    txn.commit();
                }
            }
            group.deliverAll();
            master.env.checkpoint();
            assertTrue(master.env.engine().removeLogBefore(master.env.engine().lastLsn()) > 0);
            // site 3 comes back and asks for what it misses
            group.dropWhere(e -> false);
            late.rep().start(RepRole.CLIENT, b("site3"));
            group.deliverUntil(() -> get(late, "k99") != null && late.rep().stats().startupDone(), WAIT,
                    "site 3 initialized");
            assertTrue(late.rep().stats().counter("inits") >= 1);
            assertArrayEquals(b("1"), get(late, "early"));
            commit(group, master, "after", "2");
            group.deliverUntil(() -> get(late, "after") != null, WAIT, "site 3 follows the live stream");
        }
    }

    @Test
    void withAutomaticInitializationOffTheClientIsOutdatedUntilToldToReinitialize() {
        try (TestGroup group = group(2, b -> b.segmentSize(64 << 10).maxRecordSize(16 << 10).autoInit(false))) {
            TestGroup.Site master = group.site(1);
            TestGroup.Site late = group.site(2);
            commit(group, master, "early", "1");
            group.deliverAll();
            group.dropWhere(e -> e.to() == 2 || e.from() == 2);
            for (int i = 0; i < 100; i++) {
                Database db = master.env.openDatabase("d");
                try (Transaction txn = master.env.beginTransaction()) {
                    db.put(txn, b("k" + i), new byte[4000]);
                    txn.commit();
                }
            }
            master.env.checkpoint();
            master.env.engine().removeLogBefore(master.env.engine().lastLsn());
            group.dropWhere(e -> false);
            late.rep().start(RepRole.CLIENT, b("site2"));
            group.deliverUntil(() -> late.saw(RepStatus.OUTDATED), WAIT, "OUTDATED");
            assertEquals("OUTDATED", late.rep().stats().syncState());
            assertNull(get(late, "k99"));
            late.rep().reinitialize();
            group.deliverUntil(() -> get(late, "k99") != null, WAIT, "re-initialized on request");
        }
    }

    @Test
    void aDelayedClientWaitsForSync() {
        try (TestGroup group = new TestGroup(dir, 2, b -> b.ackPolicy(AckPolicy.NONE).delayClient(true))) {
            group.site(1).rep().start(RepRole.MASTER, b("m"));
            commit(group, group.site(1), "k", "v");
            TestGroup.Site client = group.site(2);
            client.rep().start(RepRole.CLIENT, b("c"));
            group.deliverUntil(() -> client.saw(RepStatus.NEWMASTER), WAIT, "the client learns the master");
            group.deliverAll();
            assertEquals("DELAYED", client.rep().stats().syncState());
            assertNull(get(client, "k"));
            client.rep().sync();
            group.deliverUntil(() -> get(client, "k") != null, WAIT, "synced after sync()");
        }
    }
}
