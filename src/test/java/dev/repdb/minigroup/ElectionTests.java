package dev.repdb.minigroup;

import static dev.repdb.minigroup.InProcessGroup.bytes;
import static dev.repdb.minigroup.InProcessGroup.cdata;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.AckPolicy;
import dev.repdb.CommitToken;
import dev.repdb.Database;
import dev.repdb.EnvironmentConfig;
import dev.repdb.NotMasterException;
import dev.repdb.Transaction;
import dev.repdb.rep.RepRole;
import dev.repdb.rep.RepStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * rep_elect driven by the test (no reactions): a cold group elects, the best log wins, a new master holds every
 * quorum-acknowledged commit, a master hands over to a named site, two masters that meet both step down
 * (DUPMASTER) and the election keeps every acknowledged commit, an election whose winner never starts does not
 * hold up a newer one. Moved from {@code rep.ElectionTest}; its
 * message-by-message cases are scenario scripts (see the README, "How the tests are built").
 */
public abstract class ElectionTests<G extends InProcessGroup> extends RepdbTestBase
        implements MiniGroup.Factory.Get<G> {

    private static final Duration PHASE = Duration.ofMillis(300);

    /** Elections only: no appointed masters, short phases and master timeout. */
    private static Consumer<EnvironmentConfig.Builder> electing(Consumer<EnvironmentConfig.Builder> more) {
        return b -> {
            b.allowAppointedMaster(false).electionTimeouts(PHASE, PHASE).masterTimeout(Duration.ofMillis(200));
            more.accept(b);
        };
    }

    private static CompletableFuture<Integer> elect(InProcessGroup group, int id) {
        return group.rep(id).electAsync(0, 0, PHASE).toCompletableFuture();
    }

    /** Runs an election on {@code voters}; the winner starts as master; every voter names it. Returns it. */
    private static int electAndStart(InProcessGroup group, List<Integer> voters) {
        List<CompletableFuture<Integer>> results = new ArrayList<>();
        for (int id : voters) {
            results.add(elect(group, id));
        }
        group.await("a winner", () -> reelectSuperseded(group, voters, results) && results.stream().anyMatch(f ->
                f.isDone() && !f.isCompletedExceptionally() && voters.contains(f.join())
                        && group.rep(f.join()).stats().counter("elections_won") > 0));
        int winner = results.stream().filter(f -> f.isDone() && !f.isCompletedExceptionally()).findFirst()
                .orElseThrow().join();
        group.rep(winner).start(RepRole.MASTER, cdata(winner));
        group.await("every voter learns the winner", () -> reelectSuperseded(group, voters, results)
                && results.stream().allMatch(CompletableFuture::isDone));
        for (CompletableFuture<Integer> r : results) {
            assertEquals(winner, r.join(), "every voter names the same winner");
        }
        return winner;
    }

    /**
     * A voter whose election was superseded (an ALIVE of a newer election generation; it returned HOLDELECTION)
     * elects again, as its application would (transports that reorder make this happen). Always true.
     */
    private static boolean reelectSuperseded(InProcessGroup group, List<Integer> voters,
                                             List<CompletableFuture<Integer>> results) {
        for (int i = 0; i < results.size(); i++) {
            CompletableFuture<Integer> f = results.get(i);
            if (f.isCompletedExceptionally() && f.handle((v, e) -> String.valueOf(e).contains("superseded")).join()) {
                results.set(i, elect(group, voters.get(i)));
            }
        }
        return true;
    }

    private static void awaitMasterLost(InProcessGroup group, int... ids) {
        group.await("the clients notice their master is gone", () -> java.util.Arrays.stream(ids)
                .noneMatch(id -> group.rep(id).masterAlive()));
    }

    private static void awaitSynced(InProcessGroup group, int master) {
        group.await("clients sync with the master", () -> group.ids().stream()
                .filter(id -> id != master && group.isUp(id)).allMatch(id -> group.rep(id).stats().startupDone()));
    }

    @Test
    void aColdGroupElectsOneMasterWhoseGenerationIsTheElectionGeneration() throws Exception {
        runWithNewGroup(3, electing(b -> { }), group -> {
            group.startClients();
            int egenBefore = group.rep(1).stats().electionGeneration();
            int winner = electAndStart(group, group.ids());
            assertEquals(RepRole.MASTER, group.rep(winner).role());
            assertEquals(egenBefore, group.rep(winner).generation(), "the master's generation is the election's");
            for (int id : group.ids()) {
                if (id != winner) {
                    assertEquals(RepRole.CLIENT, group.rep(id).role());
                }
            }
            assertTrue(group.results(winner).stream().anyMatch(r -> r.status() == RepStatus.NEWMASTER
                    && r.envId() == winner), "the winner is told by a NEWMASTER naming itself");
            awaitSynced(group, winner);
            assertEquals(List.of(winner), group.masters());
        });
    }

    @Test
    void theMostUpToDateLogWinsOverPriority() throws Exception {
        runWithNewGroup(3, electing(b -> b.ackPolicy(AckPolicy.NONE)), group -> {
            group.startClients();
            int first = electAndStart(group, group.ids());
            awaitSynced(group, first);
            // one client gets a record the other misses; then the master dies
            int ahead = first == 1 ? 2 : 1;
            int behind = 6 - first - ahead;
            group.drop(e -> e.to() == behind);
            group.commit(first, "k", "v");
            group.await("site " + ahead + " has k", () -> group.get(ahead, "k") != null);
            group.killSite(first);
            group.heal();
            awaitMasterLost(group, ahead, behind);
            int winner = electAndStart(group, List.of(ahead, behind));
            assertEquals(ahead, winner, "the site holding the last commit wins");
            group.await("site " + behind + " catches up", () -> group.get(behind, "k") != null);
        });
    }

    @Test
    void aNewMasterHoldsEveryQuorumAcknowledgedCommit() throws Exception {
        runWithNewGroup(3, electing(b -> b.ackPolicy(AckPolicy.QUORUM)), group -> {
            group.startClients();
            int first = electAndStart(group, group.ids());
            awaitSynced(group, first);
            List<CommitToken> acked = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                acked.add(group.commit(first, "k" + i, "v"));
            }
            group.killSite(first);
            List<Integer> rest = group.ids().stream().filter(id -> id != first).toList();
            awaitMasterLost(group, rest.get(0), rest.get(1));
            int second = electAndStart(group, rest);
            assertNotEquals(first, second);
            for (int i = 0; i < 10; i++) {
                assertNotNull(group.get(second, "k" + i), "k" + i);
            }
            assertTrue(group.rep(second).generation() > acked.get(0).generation());
        });
    }

    @Test
    void aMasterTransfersItsRoleToANamedSiteThatHoldsEveryCommit() throws Exception {
        runWithNewGroup(3, electing(b -> b.ackPolicy(AckPolicy.ONE)), group -> {
            group.startClients();
            int first = electAndStart(group, group.ids());
            awaitSynced(group, first);
            // the highest other id: any other site works too
            int target = group.ids().stream().filter(id -> id != first).mapToInt(Integer::intValue).max()
                    .orElseThrow();
            for (int i = 0; i < 5; i++) {
                group.commit(first, "t" + i, "v");
            }
            CompletableFuture<Void> handedOver = group.rep(first).transferMaster(target, Duration.ofSeconds(10))
                    .toCompletableFuture();
            // commits are refused while the hand-over runs, naming the target
            Database db = group.env(first).openDatabase(MiniGroup.DB);
            try (Transaction txn = group.env(first).beginTransaction()) {
                db.put(txn, bytes("during"), bytes("x"));
                NotMasterException refused = assertThrows(NotMasterException.class, txn::commit);
                // still handing over (names the target), or already stepped down (no master known yet)
                refused.masterId().ifPresent(id -> assertEquals(target, id));
            }
            group.await("the target wins", () -> group.anyResult(target,
                    r -> r.status() == RepStatus.NEWMASTER && r.envId() == target));
            group.rep(target).start(RepRole.MASTER, cdata(target));
            group.await("the old master learns the hand-over is done", handedOver::isDone);
            handedOver.join();
            assertEquals(RepRole.MASTER, group.rep(target).role());
            assertEquals(RepRole.CLIENT, group.rep(first).role());
            for (int i = 0; i < 5; i++) {
                assertNotNull(group.get(target, "t" + i), "t" + i);
            }
            group.commit(target, "after", "v");
            group.await("the old master follows the new one", () -> group.get(first, "after") != null);
        });
    }

    private static int counter(InProcessGroup group, int id, String name) {
        return (int) group.rep(id).stats().counter(name);
    }

    /**
     * Reference §3.3 and §2 (DUPMASTER: "If I am master → return DUPMASTER. Clients ignore it. Accepted even from a
     * lower gen"): when the partition that let a second master be elected heals, BOTH masters return DUPMASTER and
     * step down, the client returns none, and the election that follows keeps the QUORUM-acknowledged commit while
     * the old master's unacknowledged one is rolled back.
     */
    @Test
    void twoMastersThatMeetBothStepDownAndTheElectionKeepsEveryAcknowledgedCommit() throws Exception {
        runWithNewGroup(3, electing(b -> b.ackPolicy(AckPolicy.QUORUM).ackTimeout(Duration.ofMillis(500))), group -> {
            group.startClients();
            int old = electAndStart(group, group.ids());
            awaitSynced(group, old);
            group.commit(old, "before", "v");
            List<Integer> rest = group.ids().stream().filter(id -> id != old).toList();
            group.partition(Set.of(old));
            awaitMasterLost(group, rest.get(0), rest.get(1));
            int second = electAndStart(group, rest);
            int client = rest.get(0) == second ? rest.get(1) : rest.get(0);
            CommitToken acked = group.commit(second, "acked", "v");
            CompletableFuture<CommitToken> unacked = group.commitAsync(old, MiniGroup.DB, "unacked", bytes("x"));
            group.await("the cut-off master's commit gets no acknowledgement", unacked::isDone);
            assertTrue(unacked.isCompletedExceptionally(), "no acknowledgement can reach the cut-off master");
            assertEquals(Set.of(old, second), Set.copyOf(group.masters()), "two masters, one per side");

            group.heal();
            group.await("both masters return DUPMASTER", () -> group.saw(old, RepStatus.DUPMASTER)
                    && group.saw(second, RepStatus.DUPMASTER));
            group.await("both step down", () -> group.role(old) == RepRole.CLIENT
                    && group.role(second) == RepRole.CLIENT);
            awaitMasterLost(group, client);
            assertFalse(group.saw(client, RepStatus.DUPMASTER), "a plain client never returns DUPMASTER");

            // the two that followed the newer generation elect (the old master's election generation is behind
            // theirs: its own vote would only be answered with ALIVE, and it follows whoever wins)
            int winner = electAndStart(group, rest);
            assertNotEquals(old, winner, "the winner holds the newer generation's log");
            awaitSynced(group, winner);
            for (int id : group.ids()) {
                int site = id;
                group.await("site " + id + " holds the acknowledged commit", () -> group.get(site, "acked") != null
                        && group.get(site, "before") != null);
            }
            group.await("the old master's unacknowledged commit is rolled back", () -> group.get(old, "unacked") == null);
            assertNull(group.get(winner, "unacked"));
            assertTrue(counter(group, old, "rollbacks") >= 1, "the old master rolled its tail back");
            assertTrue(group.rep(winner).generation() > acked.generation());
            assertFalse(group.saw(client, RepStatus.DUPMASTER), "a plain client never returns DUPMASTER");
            assertEquals(List.of(winner), group.masters());
        });
    }

    /**
     * An election whose winner is never started as master must not hold up a newer one: a site waiting for that
     * winner (phase 2) joins the newer election as soon as its vote arrives. No election times out on the way
     * (counted, not timed: the newer election is the very next election generation, and no site counts a failed
     * election), and the stale winner can no longer start as master.
     */
    @Test
    void anElectionWhoseWinnerNeverStartsDoesNotHoldUpANewerOne() throws Exception {
        runWithNewGroup(3, electing(b -> b.ackPolicy(AckPolicy.NONE)), group -> {
            group.startClients();
            int first = electAndStart(group, group.ids());
            awaitSynced(group, first);
            // one client misses a record, so that of the two sites that hold it, whichever asks wins
            int behind = group.ids().stream().filter(id -> id != first).mapToInt(Integer::intValue).max()
                    .orElseThrow();
            int ahead = 6 - first - behind;
            group.drop(e -> e.to() == behind);
            group.commit(first, "k", "v");
            group.await("site " + ahead + " has k", () -> group.get(ahead, "k") != null);
            group.rep(first).start(RepRole.CLIENT, cdata(first));
            group.heal();
            awaitMasterLost(group, first, ahead, behind);

            int egen = group.rep(first).stats().electionGeneration();
            int[] votedBefore = group.ids().stream().mapToInt(id -> counter(group, id, "second_votes_sent")).toArray();
            List<CompletableFuture<Integer>> round = new ArrayList<>();
            for (int id : group.ids()) {
                round.add(elect(group, id));
            }
            group.await("a winner", () -> round.stream().anyMatch(f -> f.isDone() && !f.isCompletedExceptionally()));
            int stuck = round.stream().filter(f -> f.isDone() && !f.isCompletedExceptionally()).findFirst()
                    .orElseThrow().join();
            assertNotEquals(behind, stuck, "a site with the newest log wins");
            int asker = stuck == first ? ahead : first;
            group.await("the other sites wait for the winner (phase 2)", () -> group.ids().stream()
                    .filter(id -> id != stuck).allMatch(id -> counter(group, id, "second_votes_sent")
                            > votedBefore[group.ids().indexOf(id)]));
            int failedBefore = group.ids().stream().mapToInt(id -> counter(group, id, "elections_failed")).sum();

            // nobody starts the winner; the other site with the newest log asks again
            CompletableFuture<Integer> again = elect(group, asker);
            group.await("the asker wins the newer election", () -> again.isDone() && !again.isCompletedExceptionally()
                    && again.join() == asker);
            group.rep(asker).start(RepRole.MASTER, cdata(asker));
            assertEquals(egen + 1, group.rep(asker).generation(), "the very next election generation");
            assertEquals(failedBefore, group.ids().stream().mapToInt(id -> counter(group, id, "elections_failed"))
                    .sum(), "no election had to time out");
            assertThrows(IllegalStateException.class, () -> group.rep(stuck).start(RepRole.MASTER, cdata(stuck)),
                    "the stale win is void");
            int behindsFirst = group.ids().indexOf(behind);
            group.await("the site waiting on the old election learns the newer one's winner",
                    () -> round.get(behindsFirst).isDone());
            assertEquals(asker, round.get(behindsFirst).join());
            awaitSynced(group, asker);
            group.await("every site has k", () -> group.ids().stream().allMatch(id -> group.get(id, "k") != null));
        });
    }
}
