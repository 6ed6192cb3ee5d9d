package dev.repdb.rep;

import static dev.repdb.rep.TestGroup.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.AckPolicy;
import dev.repdb.CommitToken;
import dev.repdb.Database;
import dev.repdb.ElectionFailedException;
import dev.repdb.EnvironmentConfig;
import dev.repdb.Transaction;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rep_elect: two phases, the best log wins, priorities, HOLDELECTION, failures, persistence. */
class ElectionTest {

    @TempDir
    Path dir;

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration PHASE = Duration.ofMillis(300);

    private TestGroup clients(int n, Consumer<EnvironmentConfig.Builder> tweak) {
        TestGroup group = new TestGroup(dir, n, b -> {
            b.allowAppointedMaster(false).electionTimeouts(PHASE, PHASE).masterTimeout(Duration.ofMillis(200));
            tweak.accept(b);
        });
        for (TestGroup.Site s : group.sites) {
            s.rep().start(RepRole.CLIENT, b("site" + s.id));
        }
        group.deliverAll();
        return group;
    }

    private static CompletableFuture<Integer> elect(TestGroup.Site site) {
        return site.rep().electAsync(0, 0, PHASE).toCompletableFuture();
    }

    /** Runs an election on {@code voters}; the winner starts as master; returns the winner's id. */
    private static int electAndStart(TestGroup group, List<TestGroup.Site> voters) {
        List<CompletableFuture<Integer>> results = new ArrayList<>();
        for (TestGroup.Site s : voters) {
            results.add(elect(s));
        }
        group.deliverUntil(() -> results.stream().anyMatch(f -> f.isDone() && !f.isCompletedExceptionally()
                && voters.stream().anyMatch(s -> s.id == f.join() && s.rep().stats().counter("elections_won") > 0)),
                WAIT, "a winner");
        int winner = results.stream().filter(f -> f.isDone() && !f.isCompletedExceptionally()).findFirst()
                .orElseThrow().join();
        group.site(winner).rep().start(RepRole.MASTER, b("site" + winner));
        group.deliverUntil(() -> results.stream().allMatch(CompletableFuture::isDone), WAIT, "every voter learns");
        for (CompletableFuture<Integer> r : results) {
            assertEquals(winner, r.join(), "every voter names the same winner");
        }
        return winner;
    }

    private static void awaitMasterLost(TestGroup group, TestGroup.Site... sites) {
        group.deliverUntil(() -> java.util.Arrays.stream(sites).noneMatch(s -> s.rep().masterAlive()), WAIT,
                "the clients notice their master is gone");
    }

    private static CommitToken commit(TestGroup group, TestGroup.Site master, String key) {
        Database db = master.env.openDatabase("d");
        Transaction txn = master.env.beginTransaction();
        db.put(txn, b(key), b("v"));
        CompletableFuture<CommitToken> done = txn.commitAsync().toCompletableFuture();
        group.deliverUntil(done::isDone, WAIT, "commit " + key);
        return done.join();
    }

    @Test
    void aColdGroupElectsOneMasterWhoseGenerationIsTheElectionGeneration() {
        try (TestGroup group = clients(3, b -> { })) {
            int egenBefore = group.site(1).rep().stats().electionGeneration();
            int winner = electAndStart(group, group.sites);
            TestGroup.Site master = group.site(winner);
            assertEquals(RepRole.MASTER, master.rep().role());
            assertEquals(egenBefore, master.rep().generation(), "the master's generation is the election's");
            for (TestGroup.Site s : group.sites) {
                if (s.id != winner) {
                    assertEquals(RepRole.CLIENT, s.rep().role());
                }
            }
            assertTrue(master.saw(RepStatus.NEWMASTER), "the winner is told by a NEWMASTER naming itself");
            group.deliverUntil(() -> group.sites.stream().filter(s -> s.id != winner)
                    .allMatch(s -> s.rep().stats().startupDone()), WAIT, "clients sync with the winner");
        }
    }

    @Test
    void theMostUpToDateLogWinsOverPriority() {
        try (TestGroup group = clients(3, b -> b.ackPolicy(AckPolicy.NONE))) {
            electAndStart(group, group.sites);
            int first = group.sites.stream().filter(s -> s.rep().role() == RepRole.MASTER).findFirst()
                    .orElseThrow().id;
            // one client gets a record the other misses; then the master dies
            int ahead = first == 1 ? 2 : 1;
            int behind = 6 - first - ahead;
            group.dropWhere(e -> e.to() == behind);
            commit(group, group.site(first), "k");
            group.deliverAll();
            group.site(first).env.close();
            group.site(first).env = null;
            group.dropWhere(e -> false);
            awaitMasterLost(group, group.site(ahead), group.site(behind));
            int winner = electAndStart(group, List.of(group.site(ahead), group.site(behind)));
            assertEquals(ahead, winner, "the site holding the last commit wins");
        }
    }

    @Test
    void aPriorityZeroSiteNeverWinsEvenWithTheBestLog() {
        TestGroup group = new TestGroup(dir, 3, b -> b.allowAppointedMaster(false).electionTimeouts(PHASE, PHASE)
                .masterTimeout(Duration.ofMillis(200)).ackPolicy(AckPolicy.NONE),
                (id, b) -> b.priority(id == 3 ? 0 : 100));
        try (group) {
            for (TestGroup.Site s : group.sites) {
                s.rep().start(RepRole.CLIENT, b("site" + s.id));
            }
            int first = electAndStart(group, group.sites);
            assertNotEquals(3, first);
            // only site 3 gets the next commit, then the master dies: site 3 has the best log but priority 0
            int other = first == 1 ? 2 : 1;
            group.dropWhere(e -> e.to() == other);
            commit(group, group.site(first), "only-on-3");
            group.deliverAll();
            group.site(first).env.close();
            group.site(first).env = null;
            group.dropWhere(e -> false);
            awaitMasterLost(group, group.site(other), group.site(3));
            int winner = electAndStart(group, List.of(group.site(other), group.site(3)));
            assertEquals(other, winner, "priority 0 never wins");
        }
    }

    @Test
    void aVoteReachingASiteNotInAnElectionIsHoldElectionAndCountsLater() {
        try (TestGroup group = clients(3, b -> { })) {
            CompletableFuture<Integer> first = elect(group.site(1));
            group.deliverAll();
            assertTrue(group.site(2).saw(RepStatus.HOLDELECTION));
            assertTrue(group.site(3).saw(RepStatus.HOLDELECTION));
            // the others react by electing: the early votes are already tallied
            CompletableFuture<Integer> second = elect(group.site(2));
            CompletableFuture<Integer> third = elect(group.site(3));
            group.deliverUntil(() -> group.sites.stream().anyMatch(s -> s.rep().stats().counter("elections_won") > 0),
                    WAIT, "a winner");
            int winner = group.sites.stream().filter(s -> s.rep().stats().counter("elections_won") > 0)
                    .findFirst().orElseThrow().id;
            group.site(winner).rep().start(RepRole.MASTER, b("w"));
            group.deliverUntil(() -> first.isDone() && second.isDone() && third.isDone(), WAIT, "all learn");
            assertEquals(winner, first.join());
        }
    }

    @Test
    void withoutAMajorityTheElectionFailsSayingWhy() {
        try (TestGroup group = clients(3, b -> { })) {
            group.dropWhere(e -> e.to() == 1 || e.from() == 1);
            CompletableFuture<Integer> alone = elect(group.site(1));
            group.deliverUntil(alone::isDone, WAIT, "the election gives up");
            CompletionException e = assertThrows(CompletionException.class, alone::join);
            assertTrue(e.getCause() instanceof ElectionFailedException);
            assertTrue(e.getCause().getMessage().contains("not enough votes: 1 of the 2"), e.getCause().getMessage());
        }
    }

    @Test
    void aSiteThatHearsItsMasterAnswersWithItWithoutVoting() {
        try (TestGroup group = clients(3, b -> b.masterTimeout(Duration.ofSeconds(30)))) {
            int winner = electAndStart(group, group.sites);
            group.deliverAll();
            TestGroup.Site client = group.sites.stream().filter(s -> s.id != winner).findFirst().orElseThrow();
            int egen = client.rep().stats().electionGeneration();
            assertEquals(winner, elect(client).join());
            assertEquals(egen, client.rep().stats().electionGeneration(), "no vote was cast");
        }
    }

    @Test
    void theElectionGenerationSurvivesARestartSoNoSiteVotesTwice() {
        try (TestGroup group = clients(3, b -> { })) {
            group.dropWhere(e -> true);
            int egen = group.site(1).rep().stats().electionGeneration();
            elect(group.site(1));
            group.site(1).env.close();
            group.site(1).open();
            group.site(1).rep().start(RepRole.CLIENT, b("site1"));
            assertEquals(egen + 1, group.site(1).rep().stats().electionGeneration());
        }
    }

    @Test
    void aNewMasterHoldsEveryQuorumAcknowledgedCommit() {
        try (TestGroup group = clients(3, b -> b.ackPolicy(AckPolicy.QUORUM))) {
            int first = electAndStart(group, group.sites);
            group.deliverUntil(() -> group.sites.stream().filter(s -> s.id != first)
                    .allMatch(s -> s.rep().stats().startupDone()), WAIT, "sync");
            List<CommitToken> acked = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                acked.add(commit(group, group.site(first), "k" + i));
            }
            group.site(first).env.close();
            group.site(first).env = null;
            List<TestGroup.Site> rest = group.sites.stream().filter(s -> s.id != first).toList();
            awaitMasterLost(group, rest.get(0), rest.get(1));
            int second = electAndStart(group, rest);
            assertNotEquals(first, second);
            for (int i = 0; i < 10; i++) {
                assertTrue(group.site(second).env.openDatabase("d").get(b("k" + i)) != null, "k" + i);
            }
            assertTrue(group.site(second).rep().generation() > acked.get(0).generation());
        }
    }

    @Test
    void aMasterTransfersItsRoleToANamedSiteThatHoldsEveryCommit() {
        try (TestGroup group = clients(3, b -> b.ackPolicy(AckPolicy.ONE))) {
            int first = electAndStart(group, group.sites);
            group.deliverUntil(() -> group.sites.stream().filter(s -> s.id != first)
                    .allMatch(s -> s.rep().stats().startupDone()), WAIT, "sync");
            // the target is the client that is NOT the one a plain election would favour: any other site works too
            int target = group.sites.stream().filter(s -> s.id != first).mapToInt(s -> s.id).max().orElseThrow();
            for (int i = 0; i < 5; i++) {
                commit(group, group.site(first), "t" + i);
            }
            CompletableFuture<Void> handedOver = group.site(first).rep()
                    .transferMaster(target, Duration.ofSeconds(10)).toCompletableFuture();
            // commits are refused while the hand-over runs, naming the target
            Database db = group.site(first).env.openDatabase("d");
            try (Transaction txn = group.site(first).env.beginTransaction()) {
                db.put(txn, b("during"), b("x"));
                dev.repdb.NotMasterException refused = assertThrows(dev.repdb.NotMasterException.class, txn::commit);
                // still handing over (names the target), or already stepped down (no master known yet)
                refused.masterId().ifPresent(id -> assertEquals(target, id));
            }
            group.deliverUntil(() -> group.site(target).results.stream()
                    .anyMatch(r -> r.status() == RepStatus.NEWMASTER && r.envId() == target), WAIT, "target wins");
            group.site(target).rep().start(RepRole.MASTER, b("site" + target));
            group.deliverUntil(handedOver::isDone, WAIT, "the old master learns the hand-over is done");
            handedOver.join();
            assertEquals(RepRole.MASTER, group.site(target).rep().role());
            assertEquals(RepRole.CLIENT, group.site(first).rep().role());
            for (int i = 0; i < 5; i++) {
                assertTrue(group.site(target).env.openDatabase("d").get(b("t" + i)) != null, "t" + i);
            }
            commit(group, group.site(target), "after");
            group.deliverUntil(() -> group.site(first).env.openDatabase("d").get(b("after")) != null, WAIT,
                    "the old master follows the new one");
        }
    }

    @Test
    void withLeasesAPartitionedMasterStopsServingBeforeAnotherIsElected() {
        Duration lease = Duration.ofMillis(400);
        try (TestGroup group = clients(3, b -> b.masterLeases(lease, 1.05).ackPolicy(AckPolicy.NONE))) {
            int first = electAndStart(group, group.sites);
            TestGroup.Site master = group.site(first);
            group.deliverUntil(() -> {
                try {
                    master.env.openDatabase("d").get(b("x"));
                    return true;
                } catch (dev.repdb.LeaseExpiredException e) {
                    return false;
                }
            }, WAIT, "the master holds a majority's grants and serves reads");
            commit(group, master, "before");
            // the master is cut off from everyone
            group.dropWhere(e -> e.from() == first || e.to() == first);
            List<TestGroup.Site> rest = group.sites.stream().filter(s -> s.id != first).toList();
            awaitMasterLost(group, rest.get(0), rest.get(1));
            List<CompletableFuture<Integer>> votes = new ArrayList<>();
            rest.forEach(s -> votes.add(elect(s)));
            group.deliverUntil(() -> rest.stream().anyMatch(s -> s.rep().stats().counter("elections_won") > 0), WAIT,
                    "a new winner");
            // by the time anyone else can win, the old master's lease is over: it refuses to read
            assertThrows(dev.repdb.LeaseExpiredException.class, () -> master.env.openDatabase("d").get(b("before")));
            assertTrue(rest.stream().anyMatch(s -> s.rep().stats().counter("elections_waiting_for_lease") > 0),
                    "the voters waited out their grants");
        }
    }
}
