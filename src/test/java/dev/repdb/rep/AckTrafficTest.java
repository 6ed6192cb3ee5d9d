package dev.repdb.rep;

import static dev.repdb.rep.TestGroup.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.AckPolicy;
import dev.repdb.CommitToken;
import dev.repdb.Database;
import dev.repdb.Durability;
import dev.repdb.EnvironmentConfig;
import dev.repdb.Transaction;
import dev.repdb.log.Lsn;
import dev.repdb.rep.wire.MessageCodec;
import dev.repdb.rep.wire.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's acknowledgement traffic on real environments joined by the in-memory network of {@link TestGroup}: no
 * per-record acknowledgement under NONE (positions on heartbeats instead), at most one per message (burst) under
 * QUORUM with the master's adaptive batching, an acknowledgement only of what is durable on the client, and the
 * back-pressure bound under NONE.
 */
class AckTrafficTest extends dev.repdb.minigroup.RepdbTestBase {

    @TempDir
    Path dir;

    private static final Duration WAIT = Duration.ofSeconds(60);

    /** Messages seen as they were sent: per sender and type (a broadcast counts once). */
    private static final class Sends implements Consumer<TestGroup.Envelope> {
        final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

        @Override
        public void accept(TestGroup.Envelope e) {
            counts.computeIfAbsent(e.from() + ":" + e.type(), k -> new AtomicInteger()).incrementAndGet();
        }

        int of(int from, MessageType type) {
            AtomicInteger n = counts.get(from + ":" + type);
            return n == null ? 0 : n.get();
        }

        void clear() {
            counts.clear();
        }
    }

    private TestGroup group(int n, Consumer<EnvironmentConfig.Builder> tweak) {
        TestGroup group = new TestGroup(dir, n, tweak);
        for (TestGroup.Site s : group.sites) {
            if (s.id != 1) {
                s.rep().start(RepRole.CLIENT, b("site" + s.id));
            }
        }
        group.site(1).rep().start(RepRole.MASTER, b("site1"));
        group.deliverUntil(() -> group.sites.stream().skip(1).allMatch(TestGroup.Site::sawStartupDone), WAIT,
                "startup");
        group.site(1).env.openDatabase("d");
        group.deliverAll();
        return group;
    }

    private static List<CompletableFuture<CommitToken>> commitMany(TestGroup.Site master, int count, int size) {
        List<CompletableFuture<CommitToken>> all = new ArrayList<>();
        Database db = master.env.openDatabase("d");
        for (int i = 0; i < count; i++) {
            Transaction txn = master.env.beginTransaction();
            db.put(txn, b("k" + i), new byte[size]);
            all.add(txn.commitAsync().toCompletableFuture());
        }
        return all;
    }

    private static boolean has(TestGroup.Site site, String key) {
        return site.env.openDatabase("d").get(b(key)) != null;
    }

    /** Waits (without delivering) until {@code condition} holds. */
    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    @Test
    void underNoneClientsAcknowledgeNoRecord() {
        Sends sends = new Sends();
        // heartbeats (which ask for positions) and ticks far apart: what is sent is what the records cause
        try (TestGroup group = group(3, b -> b.ackPolicy(AckPolicy.NONE).durability(Durability.WRITE_NO_SYNC)
                .heartbeatInterval(Duration.ofSeconds(30)).masterTimeout(Duration.ofSeconds(90))
                .requestBackoff(Duration.ofSeconds(5), Duration.ofSeconds(10)))) {
            group.observeSends(sends);
            List<CompletableFuture<CommitToken>> commits = commitMany(group.site(1), 50, 100);
            group.deliverUntil(() -> has(group.site(2), "k49") && has(group.site(3), "k49"), WAIT, "replicated");
            assertTrue(commits.stream().allMatch(CompletableFuture::isDone));
            assertTrue(sends.of(1, MessageType.LOG) >= 50, "one LOG per record without a busy transport");
            for (int client = 2; client <= 3; client++) {
                assertEquals(0, sends.of(client, MessageType.ACK), "site " + client + " acknowledged records");
                assertEquals(0, group.site(client).rep().stats().counter("acks_sent"));
            }
        }
    }

    @Test
    void underNoneClientsReportTheirPositionOnHeartbeats() {
        try (TestGroup group = group(3, b -> b.ackPolicy(AckPolicy.NONE).durability(Durability.WRITE_NO_SYNC))) {
            List<CompletableFuture<CommitToken>> commits = commitMany(group.site(1), 20, 100);
            Lsn last = commits.get(19).join().lsn();
            Replication master = group.site(1).rep();
            group.deliverUntil(() -> {
                Map<Integer, Lsn> acked = master.stats().acked();
                return !acked.getOrDefault(2, Lsn.ZERO).isBefore(last)
                        && !acked.getOrDefault(3, Lsn.ZERO).isBefore(last);
            }, WAIT, "both clients' positions reach the master (for archiving and status)");
            long heartbeats = master.stats().counter("heartbeats_sent") + 1; // + the new master's first
            for (int client = 2; client <= 3; client++) {
                long acks = group.site(client).rep().stats().counter("acks_sent");
                assertTrue(acks >= 1 && acks <= heartbeats, "site " + client + ": " + acks + " reports for "
                        + heartbeats + " heartbeats");
            }
        }
    }

    @Test
    void underQuorumOneAcknowledgementPerBurstCoversEveryCommitInIt() {
        Sends sends = new Sends();
        try (TestGroup group = group(3, b -> b.ackPolicy(AckPolicy.QUORUM).durability(Durability.WRITE_NO_SYNC)
                .ackTimeout(Duration.ofSeconds(60)).heartbeatInterval(Duration.ofSeconds(30))
                .masterTimeout(Duration.ofSeconds(90)).requestBackoff(Duration.ofSeconds(5), Duration.ofSeconds(10)))) {
            group.trackInFlight(); // undelivered messages are in flight: the master batches behind them
            group.observeSends(sends);
            List<CompletableFuture<CommitToken>> commits = commitMany(group.site(1), 20, 100);
            group.deliverUntil(() -> commits.stream().allMatch(CompletableFuture::isDone), WAIT, "commits acked");
            commits.forEach(CompletableFuture::join); // none failed for lack of acknowledgements
            int logMessages = sends.of(1, MessageType.LOG) + sends.of(1, MessageType.BULK_LOG);
            // the first commit leaves alone; the 19 made while it was in flight leave as one BULK_LOG
            assertEquals(1, sends.of(1, MessageType.LOG), "the lone first commit");
            assertEquals(1, sends.of(1, MessageType.BULK_LOG), "the rest, batched");
            for (int client = 2; client <= 3; client++) {
                int acks = sends.of(client, MessageType.ACK);
                assertTrue(acks >= 1 && acks <= logMessages, "site " + client + ": " + acks + " acks for "
                        + logMessages + " log messages carrying 20 commits");
            }
            assertEquals(20, group.site(1).rep().stats().counter("bulk_records") + 1);
        }
    }

    @Test
    void underQuorumCommitsMadeWhileTheLastBatchAwaitsItsAcksLeaveTogether() {
        Sends sends = new Sends();
        try (TestGroup group = group(3, b -> b.ackPolicy(AckPolicy.QUORUM).durability(Durability.WRITE_NO_SYNC)
                .ackTimeout(Duration.ofSeconds(60)).heartbeatInterval(Duration.ofSeconds(30))
                .masterTimeout(Duration.ofSeconds(90)).requestBackoff(Duration.ofSeconds(5), Duration.ofSeconds(10)))) {
            group.observeSends(sends); // the transport reports nothing in flight: only the acks gate the batch
            List<CompletableFuture<CommitToken>> commits = commitMany(group.site(1), 20, 100);
            assertEquals(1, sends.of(1, MessageType.LOG), "the first commit leaves at once");
            assertEquals(0, sends.of(1, MessageType.BULK_LOG), "the rest wait for its acknowledgements");
            group.deliverUntil(() -> commits.stream().allMatch(CompletableFuture::isDone), WAIT, "commits acked");
            commits.forEach(CompletableFuture::join);
            assertEquals(1, sends.of(1, MessageType.BULK_LOG), "then leave as one message");
            assertEquals(19, group.site(1).rep().stats().counter("bulk_records"));
        }
    }

    @Test
    void anAcknowledgementNeverPrecedesTheClientsDurability() {
        List<String> violations = new CopyOnWriteArrayList<>();
        AtomicInteger acksSeen = new AtomicInteger();
        try (TestGroup group = group(3, b -> b.ackPolicy(AckPolicy.QUORUM).durability(Durability.SYNC))) {
            group.trackInFlight();
            group.observeSends(e -> {
                if (e.type() != MessageType.ACK) {
                    return;
                }
                acksSeen.incrementAndGet();
                Lsn acked = MessageCodec.decode(e.control(), e.rec(), e.from(), 1, MessageCodec.groupId("repdb")).lsn();
                Lsn durableEnd = group.site(e.from()).env.engine().log().durableEnd();
                if (!durableEnd.isAfter(acked)) {
                    violations.add("site " + e.from() + " acknowledged " + acked + " with its log durable to "
                            + durableEnd);
                }
            });
            for (int round = 0; round < 5; round++) {
                List<CompletableFuture<CommitToken>> commits = commitMany(group.site(1), 10, 200);
                group.deliverUntil(() -> commits.stream().allMatch(CompletableFuture::isDone), WAIT, "acked");
                commits.forEach(CompletableFuture::join);
            }
        }
        assertTrue(acksSeen.get() > 0, "no acknowledgement was sent");
        assertEquals(List.of(), violations);
    }

    @Test
    void underNoneTheMasterStaysWithinTheLagBoundOfItsSlowestClient() throws Exception {
        long bound = 8192;
        try (TestGroup group = group(3, b -> b.ackPolicy(AckPolicy.NONE).durability(Durability.WRITE_NO_SYNC)
                .maxLagBytes(bound).ackTimeout(Duration.ofSeconds(120)).masterTimeout(Duration.ofSeconds(120)))) {
            Replication master = group.site(1).rep();
            // both clients report a position first (a heartbeat asks), so both count
            List<CompletableFuture<CommitToken>> first = commitMany(group.site(1), 1, 100);
            Lsn firstLsn = first.get(0).join().lsn();
            group.deliverUntil(() -> {
                Map<Integer, Lsn> acked = master.stats().acked();
                return !acked.getOrDefault(2, Lsn.ZERO).isBefore(firstLsn)
                        && !acked.getOrDefault(3, Lsn.ZERO).isBefore(firstLsn);
            }, WAIT, "positions reported");
            // a writer commits 300 records of ~140 bytes (> 5 bounds) while nothing is delivered
            AtomicLong committed = new AtomicLong();
            AtomicInteger failures = new AtomicInteger();
            Thread writer = new Thread(() -> {
                Database db = group.site(1).env.openDatabase("d");
                for (int i = 0; i < 300; i++) {
                    try {
                        Transaction txn = group.site(1).env.beginTransaction();
                        db.put(txn, b("w" + i), new byte[100]);
                        txn.commit();
                        committed.incrementAndGet();
                    } catch (RuntimeException e) {
                        failures.incrementAndGet();
                    }
                }
            }, "lag-writer");
            writer.start();
            await(() -> master.stats().counter("lag_waits") > 0, "the writer waits for the clients");
            Lsn end = group.site(1).env.engine().log().lastLsn();
            Map<Integer, Lsn> acked = master.stats().acked();
            for (int client = 2; client <= 3; client++) {
                Lsn at = acked.get(client);
                assertEquals(at.file(), end.file());
                long lag = end.offset() - at.offset();
                // the waiting commit itself is appended: the bound plus one record at most
                assertTrue(lag <= bound + 200, "site " + client + " is " + lag + " bytes behind (bound " + bound + ")");
            }
            assertTrue(committed.get() < 300, "the writer was not held back");
            group.deliverUntil(() -> !writer.isAlive(), WAIT, "the writer finishes as the clients catch up");
            writer.join();
            assertEquals(300, committed.get());
            assertEquals(0, failures.get());
            assertEquals(0, master.stats().counter("lag_wait_timeouts"), "released by the clients' reports");
            assertTrue(master.stats().counter("lag_waits") >= 1);
        }
    }
}
