package dev.repdb.minigroup;

import static dev.repdb.minigroup.InProcessGroup.bytes;
import static dev.repdb.minigroup.InProcessGroup.cdata;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.AckPolicy;
import dev.repdb.CommitToken;
import dev.repdb.log.Lsn;
import dev.repdb.rep.RepRole;
import dev.repdb.rep.RepStatus;
import dev.repdb.rep.Replication;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Client synchronization after a master change or an absence: roll back a divergent tail and catch up, initialize
 * from a snapshot, OUTDATED with automatic initialization off, a delayed client. Moved from {@code rep.SyncTest}.
 */
public abstract class SyncTests<G extends InProcessGroup> extends RepdbTestBase
        implements MiniGroup.Factory.Get<G> {

    /** {@code count} commits of {@code size}-byte values (keys k0..) on site {@code id}, waited for together. */
    private static void fill(InProcessGroup group, int id, int count, int size) {
        List<CompletableFuture<CommitToken>> all = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            all.add(group.commitAsync(id, MiniGroup.DB, "k" + i, new byte[size]));
        }
        group.await(count + " commits", () -> all.stream().allMatch(CompletableFuture::isDone));
        all.forEach(CompletableFuture::join);
    }

    @Test
    void anOldMastersDivergentTailIsRolledBackAndTheNewHistoryCaughtUp() throws Exception {
        runWithNewGroup(3, b -> b.ackPolicy(AckPolicy.NONE), group -> {
            group.startWithMaster(1);
            group.commit(1, "common", "1");
            group.await("common everywhere", () -> group.get(2, "common") != null && group.get(3, "common") != null);
            // the old master is cut off and writes a tail nobody else sees
            group.partition(1);
            for (int i = 0; i < 5; i++) {
                group.commit(1, "lost" + i, "x");
            }
            // another site is made master and writes the new history
            group.rep(2).start(RepRole.MASTER, cdata(2));
            group.await("site 3 follows site 2", () -> group.masterKnownBy(3) == 2);
            group.commit(2, "new", "2");
            List<Lsn[]> rollbacks = java.util.Collections.synchronizedList(new ArrayList<>());
            group.rep(1).addListener(new Replication.Listener() {
                @Override
                public void rolledBack(Lsn from, Lsn to, int transactions) {
                    rollbacks.add(new Lsn[] {from, to});
                }
            });
            // the old master rejoins as a client
            group.heal();
            group.rep(1).start(RepRole.CLIENT, cdata(1));
            group.await("the old master catches up", () -> group.get(1, "new") != null);
            for (int i = 0; i < 5; i++) {
                assertNull(group.get(1, "lost" + i), "the divergent tail was rolled back");
            }
            assertArrayEquals(bytes("1"), group.get(1, "common"));
            group.await("the old master's log ends where the new master's does",
                    () -> group.env(2).engine().lastLsn().equals(group.env(1).engine().lastLsn()));
            assertEquals(1, rollbacks.size());
            assertTrue(group.rep(1).stats().counter("rolled_back_txns") >= 5);
            assertTrue(group.saw(1, RepStatus.NEWMASTER));
        });
    }

    @Test
    void aClientWhoseLogTheMasterNoLongerHasIsInitializedFromASnapshot() throws Exception {
        runWithNewGroup(3, b -> b.ackPolicy(AckPolicy.NONE).segmentSize(64 << 10).maxRecordSize(16 << 10), group -> {
            group.startWithMaster(1);
            group.commit(1, "early", "1");
            group.await("site 3 has early", () -> group.get(3, "early") != null);
            // site 3 goes away; the master writes on and archives its log
            group.partition(3);
            fill(group, 1, 100, 4000);
            group.env(1).checkpoint();
            assertTrue(group.env(1).engine().removeLogBefore(group.env(1).engine().lastLsn()) > 0);
            // site 3 comes back and asks for what it misses
            group.heal();
            group.rep(3).start(RepRole.CLIENT, cdata(3));
            group.await("site 3 initialized", () -> group.get(3, "k99") != null && group.rep(3).stats().startupDone());
            assertTrue(group.rep(3).stats().counter("inits") >= 1);
            assertArrayEquals(bytes("1"), group.get(3, "early"));
            group.commit(1, "after", "2");
            group.await("site 3 follows the live stream", () -> group.get(3, "after") != null);
        });
    }

    @Test
    void withAutomaticInitializationOffTheClientIsOutdatedUntilToldToReinitialize() throws Exception {
        runWithNewGroup(2, b -> b.ackPolicy(AckPolicy.NONE).segmentSize(64 << 10).maxRecordSize(16 << 10)
                .autoInit(false), group -> {
            group.startWithMaster(1);
            group.commit(1, "early", "1");
            group.await("site 2 has early", () -> group.get(2, "early") != null);
            group.partition(2);
            fill(group, 1, 100, 4000);
            group.env(1).checkpoint();
            group.env(1).engine().removeLogBefore(group.env(1).engine().lastLsn());
            group.heal();
            group.rep(2).start(RepRole.CLIENT, cdata(2));
            group.await("OUTDATED", () -> group.saw(2, RepStatus.OUTDATED));
            assertEquals("OUTDATED", group.rep(2).stats().syncState());
            assertNull(group.get(2, "k99"));
            group.rep(2).reinitialize();
            group.await("re-initialized on request", () -> group.get(2, "k99") != null);
        });
    }

    @Test
    void aDelayedClientWaitsForSync() throws Exception {
        runWithNewGroup(2, b -> b.ackPolicy(AckPolicy.NONE).delayClient(true), group -> {
            group.openAll();
            group.rep(1).start(RepRole.MASTER, cdata(1));
            group.commit(1, "k", "v");
            group.rep(2).start(RepRole.CLIENT, cdata(2));
            group.await("the client learns the master", () -> group.saw(2, RepStatus.NEWMASTER));
            // some heartbeats later it still has not synchronized
            int seen = group.results(2).size();
            group.await("site 2 processes three more messages", () -> group.results(2).size() >= seen + 3);
            assertEquals("DELAYED", group.rep(2).stats().syncState());
            assertNull(group.get(2, "k"));
            group.rep(2).sync();
            group.await("synced after sync()", () -> group.get(2, "k") != null);
        });
    }
}
