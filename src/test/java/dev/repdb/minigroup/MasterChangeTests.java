package dev.repdb.minigroup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.repdb.AckPolicy;
import dev.repdb.rep.RepRole;
import dev.repdb.rep.wire.MessageType;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Master changes with the reactions on (as the EE module runs a site), where what the application layer does while
 * the core elects matters: a voter waiting for its winner's NEWMASTER is left to wait (calling elect then would start
 * a newer election and void the win); a master transfer's target whose win a timer decides starts as master; a
 * client that voted in an election of its own before it heard the master (a restart, lost heartbeats) does not cost
 * the group its master once it follows it again. Found in the container ITs, where each of these made the group
 * elect over and over.
 */
public abstract class MasterChangeTests<G extends InProcessGroup> extends RepdbTestBase
        implements MiniGroup.Factory.Get<G> {

    private static long counter(InProcessGroup group, int id, String name) {
        return group.rep(id).stats().counter(name);
    }

    private static long sum(InProcessGroup group, List<Integer> ids, String name) {
        return ids.stream().mapToLong(id -> counter(group, id, name)).sum();
    }

    /** Starts the group with its reactions and returns the master it elected, once every site follows it. */
    private static int startedMaster(InProcessGroup group) throws Exception {
        group.start();
        int first = group.awaitMaster();
        group.awaitConverged();
        return first;
    }

    /** A transfer target (the highest other id) that holds a commit of the master {@code first}. */
    private static int readyTarget(InProcessGroup group, int first) throws Exception {
        int target = group.ids().stream().filter(id -> id != first).mapToInt(Integer::intValue).max().orElseThrow();
        group.write(first, "before", "1");
        group.awaitValue(target, "before", "1");
        return target;
    }

    /**
     * A master hands over; the target wins; its NEWMASTER reaches the other two sites late (within their phase 2,
     * which lasts twice the 300 ms election timeout). They keep waiting for it, though no elect call of theirs is
     * waiting (the core began their elections on MASTER_TRANSFER) and their reactions find no master meanwhile:
     * no election is superseded, and the target's generation is the very election generation of the hand-over.
     */
    @Test
    void votersWaitingForTheirWinnersAnnouncementDoNotStartAnotherElection() throws Exception {
        runWithNewGroup(3, b -> b.allowAppointedMaster(false).ackPolicy(AckPolicy.ONE), group -> {
            int first = startedMaster(group);
            int target = readyTarget(group, first);
            int egen = group.rep(target).stats().electionGeneration();
            long supersededBefore = sum(group, group.ids(), "elections_superseded");
            group.delay(e -> e.type() == MessageType.NEWMASTER && e.to() != target, Duration.ofMillis(400));
            CompletableFuture<Void> handedOver = group.rep(first).transferMaster(target, Duration.ofSeconds(30))
                    .toCompletableFuture();
            group.await("the hand-over completes", handedOver::isDone);
            handedOver.join();
            group.await("every site follows site " + target, () -> group.ids().stream()
                    .allMatch(id -> group.masterKnownBy(id) == target));
            assertEquals(supersededBefore, sum(group, group.ids(), "elections_superseded"),
                    "no site left the election for a newer one");
            assertEquals(egen, group.rep(target).generation(), "one election: the master's generation is its egen");
        });
    }

    /**
     * A master transfer whose target settles phase 1 on its grace timer (the third site's vote reaches it late),
     * holding the voters' VOTE2s already: the win is a timer's, not a message's, and no elect call waits for it
     * (the core began the election on MASTER_TRANSFER). The target still starts as master, and no voter waits out
     * its phase 2 for a winner that never starts.
     */
    @Test
    void aTransferTargetWhoseWinATimerDecidesStartsAsMaster() throws Exception {
        runWithNewGroup(3, b -> b.allowAppointedMaster(false).ackPolicy(AckPolicy.ONE), group -> {
            int first = startedMaster(group);
            int target = readyTarget(group, first);
            int third = 6 - first - target;
            long failedBefore = sum(group, group.ids(), "elections_failed");
            group.delay(e -> e.from() == third && e.to() == target && e.type() == MessageType.VOTE1,
                    Duration.ofMillis(600));
            CompletableFuture<Void> handedOver = group.rep(first).transferMaster(target, Duration.ofSeconds(30))
                    .toCompletableFuture();
            group.await("the hand-over completes", handedOver::isDone);
            handedOver.join();
            group.await("site " + target + " is master", () -> group.role(target) == RepRole.MASTER);
            assertEquals(failedBefore, sum(group, group.ids(), "elections_failed"), "no election failed");
            group.heal();
            group.write(target, "after", "2");
            group.awaitValue(first, "after", "2");
            group.awaitValue(third, "after", "2");
        });
    }

    /**
     * A client cut off from the master's messages votes in an election of its own (it heard no master for the
     * master timeout), which the master sees. Healed, it follows the master again; the master then stays master
     * for longer than the two master timeouts after which it would re-elect for a voter that stays away.
     */
    @Test
    void aClientThatVotedBeforeItHeardTheMasterDoesNotCostTheMasterItsRole() throws Exception {
        runWithNewGroup(3, b -> b.masterTimeout(Duration.ofSeconds(1)), group -> {
            int master = startedMaster(group);
            int generation = group.rep(master).generation();
            int client = group.ids().stream().filter(id -> id != master).findFirst().orElseThrow();
            group.drop(e -> e.from() == master && e.to() == client);
            group.await("the master sees site " + client + " vote in a newer election",
                    () -> group.rep(master).masterSeesNewerElection());
            group.heal();
            group.await("site " + client + " follows the master again, which sees no voter elsewhere",
                    () -> group.masterKnownBy(client) == master && !group.rep(master).masterSeesNewerElection());
            long beats = counter(group, master, "heartbeats_sent");
            // three master timeouts, measured on the master's own clock: its heartbeats leave 50 ms apart
            group.await("three master timeouts pass", () -> counter(group, master, "heartbeats_sent") >= beats + 60);
            assertEquals(List.of(master), group.masters());
            assertEquals(generation, group.rep(master).generation(), "the same generation: no re-election");
            assertEquals(0, counter(group, master, "reelections"));
        });
    }
}
