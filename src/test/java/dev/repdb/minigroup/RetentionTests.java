package dev.repdb.minigroup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.CommitToken;
import dev.repdb.EnvironmentConfig;
import dev.repdb.log.LogRecord;
import dev.repdb.log.Lsn;
import dev.repdb.rep.ClientLag;
import dev.repdb.rep.InitProgress;
import dev.repdb.rep.RepStats;
import dev.repdb.store.Engine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Log retention, lag and initialization progress (issue 15): every site removes the log no one needs, within the
 * bound {@code retainLogBytes}; a client that fell further behind comes back by initialization with every commit;
 * a master tells each client's lag in bytes, records and seconds across segments.
 */
public abstract class RetentionTests<G extends InProcessGroup> extends RepdbTestBase
        implements MiniGroup.Factory.Get<G> {

    private static final long SEGMENT = 64 << 10;
    private static final long BOUND = 256 << 10;
    private static final int VALUE = 4000;

    /** Small segments, frequent checkpoints and a 256 KiB retention bound. */
    private static final Consumer<EnvironmentConfig.Builder> SMALL = b -> b.segmentSize(SEGMENT)
            .maxRecordSize(16 << 10).checkpointBytes(64 << 10).retainLogBytes(BOUND);

    /** A value that names its key, so that a copy under the wrong key or a stale one shows. */
    private static byte[] value(String key, int round) {
        byte[] v = new byte[VALUE];
        byte[] name = (key + "@" + round + ";").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < v.length; i++) {
            v[i] = name[i % name.length];
        }
        return v;
    }

    /** {@code count} commits (keys {@code prefix}0..) on site {@code id}, waited for together. */
    private static void fill(InProcessGroup group, int id, String prefix, int count, int round) {
        List<CompletableFuture<CommitToken>> all = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            all.add(group.commitAsync(id, MiniGroup.DB, prefix + i, value(prefix + i, round)));
        }
        group.await(count + " commits", () -> all.stream().allMatch(CompletableFuture::isDone));
        all.forEach(CompletableFuture::join);
    }

    private static boolean bounded(InProcessGroup group, int id) {
        return group.env(id).engine().logSizeOnDisk() <= BOUND + 2 * SEGMENT;
    }

    private static Map<String, byte[]> contents(InProcessGroup group, int id) {
        Engine engine = group.env(id).engine();
        long snapshot = engine.openSnapshot();
        try {
            Map<String, byte[]> all = new TreeMap<>();
            Iterator<Map.Entry<byte[], byte[]>> it = engine.scan(snapshot, MiniGroup.DB, null, null);
            while (it.hasNext()) {
                Map.Entry<byte[], byte[]> e = it.next();
                all.put(new String(e.getKey(), StandardCharsets.UTF_8), e.getValue());
            }
            return all;
        } finally {
            engine.closeSnapshot(snapshot);
        }
    }

    private static void assertSameContents(InProcessGroup group, int master, int client) {
        Map<String, byte[]> expected = contents(group, master);
        Map<String, byte[]> actual = contents(group, client);
        assertEquals(expected.keySet(), actual.keySet(), "site " + client + " has the master's keys");
        expected.forEach((k, v) -> assertArrayEquals(v, actual.get(k), "site " + client + " has " + k));
    }

    @Test
    void everySiteKeepsItsLogWithinTheBoundWhileTheGroupWritesFarMore() throws Exception {
        runWithNewGroup(3, SMALL, group -> {
            group.startWithMaster(1);
            long written = 0;
            for (int round = 0; round < 12; round++) {
                fill(group, 1, "k", 128, round); // ~512 KiB a round, 6 MiB in all: 24 times the bound
                written += 128L * VALUE;
                group.awaitConverged(); // every site has the round (then its retention follows)
                group.await("every site's log back within the bound after round " + round,
                        () -> group.ids().stream().allMatch(id -> bounded(group, id)));
            }
            for (int id : group.ids()) {
                Engine engine = group.env(id).engine();
                assertTrue(bounded(group, id), "site " + id + " keeps " + engine.logSizeOnDisk() + " bytes");
                assertTrue(engine.firstLsn().file() > 10, "site " + id + " removed old segments: " + engine.firstLsn());
                assertTrue(group.rep(id).stats().counter("log_segments_removed") > 0);
                assertEquals(engine.logSizeOnDisk(), group.rep(id).stats().logBytes());
            }
            assertTrue(written > 20 * BOUND);
            assertSameContents(group, 1, 2);
            assertSameContents(group, 1, 3);
        });
    }

    @Test
    void aClientAwayPastTheBoundComesBackByInitializationWithEveryCommit() throws Exception {
        runWithNewGroup(3, SMALL, group -> {
            group.startWithMaster(1);
            fill(group, 1, "before", 20, 0);
            group.await("site 3 has everything so far", () -> group.get(3, "before19") != null);
            Lsn away = group.rep(3).stats().appliedLsn();
            group.partition(3);
            fill(group, 1, "k", 300, 1); // ~1.2 MiB: far past the bound
            fill(group, 1, "before", 10, 2); // overwrites of keys site 3 already had
            group.await("the master no longer holds what site 3 needs",
                    () -> group.env(1).engine().firstLsn().isAfter(away));
            // retention runs on each site's own timer: the client may remove its segments a moment after the master
            group.await("sites 1 and 2 keep their logs within the bound", () -> bounded(group, 1) && bounded(group, 2));
            group.heal();
            InitProgress[] during = new InitProgress[1];
            group.await("site 3 re-initialized and caught up", () -> {
                InitProgress p = group.rep(3).stats().init();
                if (p != null && !p.done() && p.itemsDone() > 0) {
                    during[0] = p;
                }
                return group.converged() && p != null && p.done();
            });
            RepStats st = group.rep(3).stats();
            assertTrue(st.counter("inits") >= 1, "site 3 initialized from a snapshot");
            assertSameContents(group, 1, 3);
            assertSameContents(group, 1, 2);
            // initialization progress: totals from the master's estimate, done
            InitProgress done = st.init();
            assertEquals(321, done.itemsDone(), "every key (20 + 300) and the database definition: " + done);
            assertEquals(done.itemsDone(), done.itemsTotal());
            assertEquals(done.bytesDone(), done.bytesTotal());
            assertTrue(done.bytesDone() >= 320L * VALUE);
            assertEquals(0.0, done.etaSeconds());
            assertNotNull(during[0], "progress seen while installing");
            assertTrue(during[0].itemsTotal() == 321 && during[0].itemsDone() < during[0].itemsTotal()
                    && during[0].etaSeconds() > 0 && during[0].bytesTotal() > during[0].bytesDone(),
                    "a total known while installing: " + during[0]);
            // the live stream goes on
            group.commit(1, "after", "x");
            group.await("site 3 follows the live stream", () -> group.get(3, "after") != null);
        });
    }

    @Test
    void theMasterTellsEachClientsLagInBytesRecordsAndSecondsAcrossSegments() throws Exception {
        runWithNewGroup(3, b -> SMALL.andThen(c -> c.retainLogBytes(64L << 20)).accept(b), group -> {
            group.startWithMaster(1);
            fill(group, 1, "k", 10, 0);
            group.await("every client caught up and acknowledged everything", () -> group.converged()
                    && group.rep(1).stats().clientLag().keySet().equals(java.util.Set.of(2, 3))
                    && group.rep(1).stats().clientLag().values().stream().allMatch(l -> l.bytes() == 0
                            && l.records() == 0 && l.seconds() == 0));
            Lsn acked = group.rep(1).stats().acked().get(3);
            group.partition(3);
            long before = now(group);
            fill(group, 1, "k", 60, 1); // ~240 KiB: across several 64 KiB segments
            group.await("site 2 acknowledged everything",
                    () -> group.env(1).engine().lastLsn().equals(group.rep(1).stats().acked().get(2)));
            long after = now(group);
            RepStats st = group.rep(1).stats();
            ClientLag lag = st.clientLag().get(3);
            assertEquals(acked, lag.lsn());
            Engine master = group.env(1).engine();
            assertTrue(master.lastLsn().file() > acked.file(), "the lag spans segments");
            long[] counted = countAfter(master, acked);
            assertEquals(60, counted[0]);
            assertEquals(counted[0], lag.records());
            assertEquals(counted[1], lag.bytes());
            if (before >= 0) { // a virtual clock: the seconds are exact enough to bound
                assertTrue(lag.seconds() > 0 && lag.seconds() <= (after - before) / 1e9 + 1e-9, lag.toString());
            } else {
                assertTrue(lag.seconds() > 0, lag.toString());
            }
            assertEquals(0, st.clientLag().get(2).bytes());
            assertEquals(0, st.clientLag().get(2).records());
            // site 3 hears nothing from its master: its own lag in seconds grows
            group.await("site 3 knows it is behind", () -> group.rep(3).stats().lagSeconds() > 0);
            assertEquals(0.0, group.rep(2).stats().lagSeconds());
            // far more records than the master's history holds samples for: older positions are interpolated
            fill(group, 1, "m", 400, 2);
            group.await("site 2 acknowledged everything again",
                    () -> group.env(1).engine().lastLsn().equals(group.rep(1).stats().acked().get(2)));
            long later = now(group);
            ClientLag far = group.rep(1).stats().clientLag().get(3);
            long[] exact = countAfter(master, acked);
            assertEquals(460, exact[0]);
            assertEquals(exact[1], far.bytes());
            // interpolated by bytes where the history was thinned: within 2 %
            assertTrue(Math.abs(far.records() - exact[0]) <= exact[0] / 50, far + " against " + exact[0] + " records");
            assertTrue(far.seconds() >= lag.seconds(), far + " after " + lag);
            if (before >= 0) {
                assertTrue(far.seconds() <= (later - before) / 1e9 + 1e-9, far.toString());
            }
            group.heal();
            group.await("site 3 caught up again", () -> {
                ClientLag l = group.rep(1).stats().clientLag().get(3);
                return group.converged() && l.bytes() == 0 && l.records() == 0 && l.seconds() == 0;
            });
            RepStats client = group.rep(3).stats();
            assertEquals(0, client.lagBytes());
            assertFalse(client.lagSeconds() < 0);
        });
    }

    @Test
    void anOldMasterWhoseDivergentTailOutgrewTheBoundReinitializesInsteadOfRollingBack() throws Exception {
        runWithNewGroup(3, b -> SMALL.andThen(c -> c.ackPolicy(dev.repdb.AckPolicy.NONE)).accept(b), group -> {
            group.startWithMaster(1);
            fill(group, 1, "common", 5, 0);
            group.await("common everywhere", () -> group.get(2, "common4") != null && group.get(3, "common4") != null);
            // the old master is cut off and writes a tail past the bound: its own retention drops the common part
            group.partition(1);
            Lsn common = group.env(1).engine().lastLsn();
            fill(group, 1, "lost", 150, 1);
            group.await("site 1 no longer holds the common history",
                    () -> group.env(1).engine().firstLsn().isAfter(common));
            group.rep(2).start(dev.repdb.rep.RepRole.MASTER, InProcessGroup.cdata(2));
            group.await("site 3 follows site 2", () -> group.masterKnownBy(3) == 2);
            group.commit(2, "new", "2");
            long initsBefore = group.rep(1).stats().counter("inits");
            group.heal();
            group.rep(1).start(dev.repdb.rep.RepRole.CLIENT, InProcessGroup.cdata(1));
            group.await("the old master re-initialized from site 2", () -> group.get(1, "new") != null
                    && group.converged());
            assertTrue(group.rep(1).stats().counter("inits") > initsBefore,
                    "a rollback below the first kept record means re-initialization");
            for (int i = 0; i < 150; i++) {
                assertEquals(null, group.get(1, "lost" + i), "the divergent tail is gone");
            }
            assertSameContents(group, 2, 1);
        });
    }

    /** The binding's virtual time in nanoseconds, or -1 if it runs on real time (then seconds are not bounded). */
    protected long now(G group) {
        return -1;
    }

    /** The records after {@code lsn} and their bytes (frames), counted by walking the log. */
    private static long[] countAfter(Engine engine, Lsn lsn) {
        long records = 0;
        long bytes = 0;
        Optional<LogRecord> next = engine.nextRecord(engine.readRecord(lsn));
        while (next.isPresent()) {
            LogRecord r = next.get();
            records++;
            assertEquals(r.lsn().file(), r.end().file());
            bytes += r.end().offset() - r.lsn().offset();
            next = engine.nextRecord(r);
        }
        return new long[] {records, bytes};
    }
}
