package dev.repdb.minigroup;

import static dev.repdb.minigroup.InProcessGroup.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.AckPolicy;
import dev.repdb.CommitToken;
import dev.repdb.Database;
import dev.repdb.InsufficientAcksException;
import dev.repdb.NotMasterException;
import dev.repdb.Transaction;
import dev.repdb.log.Lsn;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.RepResult;
import dev.repdb.rep.RepStatus;
import dev.repdb.rep.Replication;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A master and its clients over the base API (the reference page's statuses, acknowledgements, gaps,
 * read-your-writes), on every in-process binding. Moved from {@code rep.ReplicationStreamTest}.
 */
public abstract class ReplicationStreamTests<G extends InProcessGroup> extends RepdbTestBase
        implements MiniGroup.Factory.Get<G> {

    @Test
    void clientsLearnTheMasterAndReceiveEveryCommit() throws Exception {
        runWithNewGroup(3, group -> {
            group.startWithMaster(1);
            List<RepResult> seen = group.results(2);
            RepResult newMaster = seen.stream().filter(r -> r.status() == RepStatus.NEWMASTER).findFirst()
                    .orElseThrow(() -> new AssertionError("site 2 never saw NEWMASTER: " + seen));
            assertEquals(1, newMaster.envId(), "NEWMASTER carries the master's id");
            assertArrayEquals(bytes("site1"), newMaster.cdata());
            int startupIndex = seen.indexOf(seen.stream().filter(RepResult::startupDone).findFirst().orElseThrow());
            assertTrue(seen.indexOf(newMaster) < startupIndex, "NEWMASTER comes before STARTUPDONE");

            CommitToken token = group.commit(1, "k1", "v1");
            group.await("k1 on every site", () -> group.ids().stream().allMatch(id -> group.get(id, "k1") != null));
            Lsn end = group.env(1).engine().lastLsn();
            group.await("every site at the master's end of log", () -> group.ids().stream()
                    .allMatch(id -> group.env(id).engine().lastLsn().equals(end)));
            for (int id : group.ids()) {
                assertArrayEquals(bytes("v1"), group.get(id, "k1"), "site " + id);
            }
            // a SYNC client answers the record itself NOTPERM (its fsync runs in the background) and reports
            // ISPERM with a later message it processes once the fsync is done (a heartbeat, say)
            group.await("a client reports ISPERM for the commit", () -> group.results(2).stream()
                    .anyMatch(r -> r.status() == RepStatus.ISPERM && !r.lsn().isBefore(token.lsn())));
            assertTrue(group.results(2).stream().anyMatch(r -> r.status() == RepStatus.NOTPERM
                    && r.lsn().equals(token.lsn()) || r.status() == RepStatus.ISPERM),
                    "the live record is NOTPERM until its fsync finishes, or already ISPERM");
        });
    }

    @Test
    void aWriteOnAClientNamesTheMaster() throws Exception {
        runWithNewGroup(3, group -> {
            group.startWithMaster(1);
            Database db = group.env(3).openDatabase(MiniGroup.DB);
            try (Transaction txn = group.env(3).beginTransaction()) {
                db.put(txn, bytes("k"), bytes("v"));
                NotMasterException e = assertThrows(NotMasterException.class, txn::commit);
                assertEquals(1, e.masterId().getAsInt());
                assertArrayEquals(bytes("site1"), e.masterCdata());
            }
        });
    }

    @Test
    void aQuorumCommitWithoutAcknowledgementsFailsButStaysCommitted() throws Exception {
        runWithNewGroup(3, b -> b.ackTimeout(Duration.ofMillis(200)), group -> {
            group.startWithMaster(1);
            group.drop(e -> e.to() != 1); // the clients hear nothing more, so they never acknowledge
            CompletableFuture<CommitToken> done = group.commitAsync(1, MiniGroup.DB, "lonely", bytes("v"));
            group.await("the commit gives up", done::isDone);
            CompletionException e = assertThrows(CompletionException.class, done::join);
            InsufficientAcksException ack = assertInstanceOf(InsufficientAcksException.class, e.getCause());
            assertEquals(0, ack.acks());
            assertEquals(1, ack.required());
            assertArrayEquals(bytes("v"), group.get(1, "lonely"), "committed locally all the same");
        });
    }

    @Test
    void ackPolicyAllWaitsForEveryClient() throws Exception {
        runWithNewGroup(3, b -> b.ackPolicy(AckPolicy.ALL), group -> {
            group.startWithMaster(1);
            CommitToken token = group.commit(1, "all", "v");
            for (int id : group.ids()) {
                assertArrayEquals(bytes("v"), group.get(id, "all"), "site " + id);
            }
            assertEquals(2, group.rep(1).stats().acked().size());
            assertTrue(group.rep(1).stats().acked().values().stream().allMatch(lsn -> !lsn.isBefore(token.lsn())));
        });
    }

    @Test
    void aLostRecordIsParkedNotPermAndThenReRequested() throws Exception {
        runWithNewGroup(3, b -> b.ackPolicy(AckPolicy.NONE), group -> {
            group.startWithMaster(1);
            group.env(1).openDatabase(MiniGroup.DB); // created (and replicated) before the records that matter
            group.await("site 2 has the database", () -> group.env(2).databaseNames().contains(MiniGroup.DB));
            // lose the first live record to site 2 only; the next one arrives and shows the gap
            AtomicBoolean dropped = new AtomicBoolean();
            group.drop(e -> e.to() == 2 && e.type() == MessageType.LOG && dropped.compareAndSet(false, true));
            CompletableFuture<CommitToken> first = group.commitAsync(1, MiniGroup.DB, "a", bytes("1"));
            CompletableFuture<CommitToken> second = group.commitAsync(1, MiniGroup.DB, "b", bytes("2"));
            group.await("both commits return", () -> first.isDone() && second.isDone());
            group.await("the gap is filled", () -> group.get(2, "a") != null && group.get(2, "b") != null);
            assertTrue(dropped.get(), "a record was lost");
            assertTrue(group.saw(2, RepStatus.NOTPERM), "the out-of-order record was parked: NOTPERM");
            assertTrue(group.rep(2).stats().counter("log_queued") >= 1);
            assertTrue(group.rep(2).stats().counter("log_requests_sent") >= 1);
            Lsn last = second.join().lsn().isAfter(first.join().lsn()) ? second.join().lsn() : first.join().lsn();
            group.await("site 2 at the last record", () -> group.env(2).engine().lastLsn().equals(last));
        });
    }

    @Test
    void awaitAppliedGivesReadYourWritesOnAClient() throws Exception {
        runWithNewGroup(2, b -> b.ackPolicy(AckPolicy.NONE), group -> {
            group.startWithMaster(1);
            CommitToken token = group.commit(1, "ryw", "v");
            CommitToken parsed = CommitToken.parse(token.toString());
            CommitToken beyond = new CommitToken(token.generation(),
                    new Lsn(token.lsn().file(), token.lsn().offset() + 100_000));
            assertEquals(Replication.AwaitResult.TIMEOUT, group.env(2).awaitApplied(beyond, Duration.ofMillis(20)));
            // the simulation's clock runs only in await: wait for the record first, then awaitApplied answers at once
            group.await("site 2 applies the commit",
                    () -> !group.rep(2).stats().appliedLsn().isBefore(token.lsn()));
            assertEquals(Replication.AwaitResult.APPLIED, group.env(2).awaitApplied(parsed, Duration.ofSeconds(5)));
            assertArrayEquals(bytes("v"), group.get(2, "ryw"));
        });
    }
}
