package dev.repdb.minigroup;

import static dev.repdb.minigroup.InProcessGroup.bytes;
import static dev.repdb.minigroup.InProcessGroup.cdata;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * rep_elect driven by the test (no reactions): a cold group elects, the best log wins, a new master holds every
 * quorum-acknowledged commit, a master hands over to a named site. Moved from {@code rep.ElectionTest}; its
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
        group.await("a winner", () -> results.stream().anyMatch(f -> f.isDone() && !f.isCompletedExceptionally()
                && voters.contains(f.join()) && group.rep(f.join()).stats().counter("elections_won") > 0));
        int winner = results.stream().filter(f -> f.isDone() && !f.isCompletedExceptionally()).findFirst()
                .orElseThrow().join();
        group.rep(winner).start(RepRole.MASTER, cdata(winner));
        group.await("every voter learns the winner", () -> results.stream().allMatch(CompletableFuture::isDone));
        for (CompletableFuture<Integer> r : results) {
            assertEquals(winner, r.join(), "every voter names the same winner");
        }
        return winner;
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
}
