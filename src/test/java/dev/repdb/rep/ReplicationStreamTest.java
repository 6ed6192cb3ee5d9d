package dev.repdb.rep;

import dev.repdb.rep.wire.Message;
import dev.repdb.rep.wire.MessageCodec;
import dev.repdb.rep.wire.MessageType;
import static dev.repdb.rep.TestGroup.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.AckPolicy;
import dev.repdb.CommitToken;
import dev.repdb.Database;
import dev.repdb.InsufficientAcksException;
import dev.repdb.NotMasterException;
import dev.repdb.Transaction;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A master and its clients over the base API, message by message (the reference page's statuses). */
class ReplicationStreamTest {

    @TempDir
    Path dir;

    private static final Duration WAIT = Duration.ofSeconds(20);

    private static CompletableFuture<CommitToken> put(TestGroup.Site site, String db, String key, String value) {
        Database database = site.env.openDatabase(db);
        Transaction txn = site.env.beginTransaction();
        database.put(txn, b(key), b(value));
        return txn.commitAsync().toCompletableFuture();
    }

    private static CommitToken commit(TestGroup group, TestGroup.Site master, String key, String value) {
        CompletableFuture<CommitToken> done = put(master, "d", key, value);
        group.deliverUntil(done::isDone, WAIT, "commit of " + key);
        return done.join();
    }

    private TestGroup startedGroup(int n, java.util.function.Consumer<dev.repdb.EnvironmentConfig.Builder> tweak) {
        TestGroup group = new TestGroup(dir, n, tweak);
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
    void clientsLearnTheMasterAndReceiveEveryCommit() {
        try (TestGroup group = startedGroup(3, b -> { })) {
            TestGroup.Site client = group.site(2);
            assertTrue(client.saw(RepStatus.NEWMASTER));
            RepResult newMaster = client.results.stream().filter(r -> r.status() == RepStatus.NEWMASTER)
                    .findFirst().orElseThrow();
            assertEquals(1, newMaster.envId(), "NEWMASTER carries the master's id");
            assertArrayEquals(b("site1"), newMaster.cdata());
            int newMasterIndex = client.results.indexOf(newMaster);
            int startupIndex = client.results.indexOf(client.results.stream().filter(RepResult::startupDone)
                    .findFirst().orElseThrow());
            assertTrue(newMasterIndex < startupIndex, "NEWMASTER comes before STARTUPDONE");

            CommitToken token = commit(group, group.site(1), "k1", "v1");
            group.deliverUntil(() -> group.sites.stream().allMatch(s -> s.env.openDatabase("d").get(b("k1")) != null),
                    WAIT, "k1 on every site");
            for (TestGroup.Site s : group.sites) {
                assertArrayEquals(b("v1"), s.env.openDatabase("d").get(b("k1")));
                assertEquals(group.site(1).env.engine().lastLsn(), s.env.engine().lastLsn());
            }
            // a SYNC client answers the record itself NOTPERM (its fsync runs in the background) and reports
            // ISPERM with the next message it processes once the fsync is done (here: a heartbeat)
            assertTrue(client.results.stream().anyMatch(r -> r.status() == RepStatus.NOTPERM
                    && r.lsn().equals(token.lsn()) || r.status() == RepStatus.ISPERM),
                    "the live record is NOTPERM until its fsync finishes");
            group.deliverUntil(() -> client.results.stream().anyMatch(r -> r.status() == RepStatus.ISPERM
                    && !r.lsn().isBefore(token.lsn())), WAIT, "a client reports ISPERM for the commit");
        }
    }

    @Test
    void aWriteOnAClientNamesTheMaster() {
        try (TestGroup group = startedGroup(3, b -> { })) {
            TestGroup.Site client = group.site(3);
            Database db = client.env.openDatabase("d");
            try (Transaction txn = client.env.beginTransaction()) {
                db.put(txn, b("k"), b("v"));
                NotMasterException e = assertThrows(NotMasterException.class, txn::commit);
                assertEquals(1, e.masterId().getAsInt());
                assertArrayEquals(b("site1"), e.masterCdata());
            }
        }
    }

    @Test
    void aQuorumCommitWithoutAcknowledgementsFailsButStaysCommitted() {
        try (TestGroup group = startedGroup(3, b -> b.ackTimeout(Duration.ofMillis(200)))) {
            // the clients never answer
            group.dropWhere(e -> e.to() != 1);
            CompletableFuture<CommitToken> done = put(group.site(1), "d", "lonely", "v");
            group.deliverUntil(done::isDone, WAIT, "the commit gives up");
            CompletionException e = assertThrows(CompletionException.class, done::join);
            InsufficientAcksException ack = (InsufficientAcksException) e.getCause();
            assertEquals(0, ack.acks());
            assertEquals(1, ack.required());
            assertArrayEquals(b("v"), group.site(1).env.openDatabase("d").get(b("lonely")),
                    "committed locally all the same");
        }
    }

    @Test
    void ackPolicyAllWaitsForEveryClient() {
        try (TestGroup group = startedGroup(3, b -> b.ackPolicy(AckPolicy.ALL))) {
            CommitToken token = commit(group, group.site(1), "all", "v");
            for (TestGroup.Site s : group.sites) {
                assertArrayEquals(b("v"), s.env.openDatabase("d").get(b("all")), "site " + s.id);
            }
            assertTrue(group.site(1).rep().stats().acked().values().stream()
                    .allMatch(lsn -> !lsn.isBefore(token.lsn())));
        }
    }

    @Test
    void aLostRecordIsParkedNotPermAndThenReRequested() {
        try (TestGroup group = startedGroup(3, b -> b.ackPolicy(AckPolicy.NONE))) {
            TestGroup.Site client = group.site(2);
            // lose the first live record to site 2 only
            boolean[] dropped = {false};
            group.dropWhere(e -> {
                if (!dropped[0] && e.to() == 2 && e.type() == MessageType.LOG) {
                    dropped[0] = true;
                    return true;
                }
                return false;
            });
            commit(group, group.site(1), "a", "1");
            group.dropWhere(e -> false);
            CommitToken second = commit(group, group.site(1), "b", "2");
            group.deliverAll();
            assertTrue(client.saw(RepStatus.NOTPERM), "the out-of-order record was parked: NOTPERM");
            group.deliverUntil(() -> client.env.openDatabase("d").get(b("a")) != null
                    && client.env.openDatabase("d").get(b("b")) != null, WAIT, "the gap is filled");
            assertTrue(client.rep().stats().counter("log_queued") >= 1);
            assertTrue(client.rep().stats().counter("log_requests_sent") >= 1);
            assertEquals(second.lsn(), client.env.engine().lastLsn());
        }
    }

    @Test
    void invalidMessagesThrowAndChangeNothing() {
        try (TestGroup group = startedGroup(2, b -> { })) {
            Replication rep = group.site(2).rep();
            RepStats before = rep.stats();
            byte[] control = MessageCodec.encodeControl(MessageCodec.groupId("repdb"), new Message(MessageType.LOG,
                    1, 2, before.generation(), 0, new dev.repdb.log.Lsn(1, 32), dev.repdb.log.Lsn.ZERO,
                    new byte[] {9, 9}));
            // bad record payload under a good header
            assertThrows(InvalidMessageException.class, () -> rep.processMessage(control, new byte[] {9, 9}, 1));
            // sender mismatch
            assertThrows(InvalidMessageException.class, () -> rep.processMessage(control, new byte[] {9, 9}, 3));
            // truncated control
            assertThrows(InvalidMessageException.class, () -> rep.processMessage(new byte[10], new byte[0], 1));
            // flipped bit
            byte[] flipped = control.clone();
            flipped[30] ^= 1;
            assertThrows(InvalidMessageException.class, () -> rep.processMessage(flipped, new byte[] {9, 9}, 1));
            RepStats after = rep.stats();
            assertEquals(before.appliedLsn(), after.appliedLsn());
            assertEquals(before.generation(), after.generation());
            assertEquals(4, after.counter("msgs_invalid") - before.counter("msgs_invalid"));
        }
    }

    @Test
    void awaitAppliedGivesReadYourWritesOnAClient() throws Exception {
        try (TestGroup group = startedGroup(2, b -> b.ackPolicy(AckPolicy.NONE))) {
            CommitToken token = commit(group, group.site(1), "ryw", "v");
            CommitToken parsed = CommitToken.parse(token.toString());
            assertEquals(Replication.AwaitResult.TIMEOUT,
                    group.site(2).env.awaitApplied(new CommitToken(token.generation(),
                            new dev.repdb.log.Lsn(token.lsn().file(), token.lsn().offset() + 100_000)),
                            Duration.ofMillis(20)));
            group.deliverAll();
            assertEquals(Replication.AwaitResult.APPLIED, group.site(2).env.awaitApplied(parsed, WAIT));
        }
    }

    @Test
    void aNewClientLearnsTheMasterFromItsNewclientAndIsReportedAsNewsite() {
        try (TestGroup group = new TestGroup(dir, 2, b -> { })) {
            group.site(1).rep().start(RepRole.MASTER, b("m"));
            group.deliverAll();
            group.site(2).rep().start(RepRole.CLIENT, b("newcomer"));
            group.deliverUntil(() -> group.site(2).sawStartupDone(), WAIT, "the newcomer syncs");
            RepResult newSite = group.site(1).results.stream().filter(r -> r.status() == RepStatus.NEWSITE)
                    .findFirst().orElseThrow();
            assertArrayEquals(b("newcomer"), newSite.cdata());
            assertFalse(group.site(2).results.isEmpty());
        }
    }
}
