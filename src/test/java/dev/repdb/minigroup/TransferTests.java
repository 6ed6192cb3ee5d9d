package dev.repdb.minigroup;

import static dev.repdb.minigroup.InProcessGroup.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.AckPolicy;
import dev.repdb.CommitToken;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.RepStats;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Bulk transfer, throttled answers (LOG_MORE) and fragmented records, on every in-process binding. Moved from
 * {@code rep.TransferTest} (its client-to-client tests, which re-address requests, stay there).
 */
public abstract class TransferTests<G extends InProcessGroup> extends RepdbTestBase
        implements MiniGroup.Factory.Get<G> {

    private static List<CompletableFuture<CommitToken>> commitMany(InProcessGroup group, int count, int size) {
        List<CompletableFuture<CommitToken>> all = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            all.add(group.commitAsync(1, MiniGroup.DB, "k" + i, new byte[size]));
        }
        return all;
    }

    @Test
    void liveRecordsTravelInBulkMessages() throws Exception {
        runWithNewGroup(3, b -> b.bulk(true, 64 * 1024).ackPolicy(AckPolicy.NONE), group -> {
            group.startWithMaster(1);
            List<CompletableFuture<CommitToken>> commits = commitMany(group, 200, 100);
            group.await("all commits everywhere", () -> commits.stream().allMatch(CompletableFuture::isDone)
                    && group.get(2, "k199") != null && group.get(3, "k199") != null);
            RepStats master = group.rep(1).stats();
            assertTrue(master.counter("bulk_transfers") > 0);
            assertTrue(master.counter("bulk_records") >= 200);
            assertTrue(master.counter("bulk_records") > master.counter("bulk_transfers"),
                    "records per bulk message > 1: " + master.counter("bulk_records") + " in "
                            + master.counter("bulk_transfers"));
            group.await("site 2 at the master's end of log",
                    () -> group.env(1).engine().lastLsn().equals(group.env(2).engine().lastLsn()));
        });
    }

    @Test
    void answersAreThrottledAndTheClientAsksForMore() throws Exception {
        runWithNewGroup(2, b -> b.throttleBytes(8 * 1024).ackPolicy(AckPolicy.NONE), group -> {
            group.startWithMaster(1);
            group.drop(e -> e.to() == 2);
            List<CompletableFuture<CommitToken>> commits = commitMany(group, 100, 1000);
            group.await("commits", () -> commits.stream().allMatch(CompletableFuture::isDone));
            group.heal();
            group.await("the client catches up in throttled steps", () -> group.get(2, "k99") != null);
            assertTrue(group.rep(1).stats().counter("nthrottles") >= 5,
                    "100 KB through an 8 KB throttle needs several LOG_MORE rounds");
        });
    }

    @Test
    void aRecordLargerThanAMessageTravelsInFragmentsEvenWhenSomeAreLost() throws Exception {
        runWithNewGroup(2, b -> b.ackPolicy(AckPolicy.NONE).maxMessageBytes(4096), group -> {
            group.startWithMaster(1);
            // lose every third fragment of the live stream; the re-request brings the record again
            AtomicInteger seen = new AtomicInteger();
            group.drop(e -> e.type() == MessageType.FRAGMENT && e.permanent() && seen.incrementAndGet() % 3 == 0);
            byte[] big = new byte[200_000];
            new java.util.Random(5).nextBytes(big);
            CompletableFuture<CommitToken> done = group.commitAsync(1, MiniGroup.DB, "big", big);
            group.await("the big record arrives", () -> done.isDone() && group.get(2, "big") != null);
            assertArrayEquals(big, group.get(2, "big"));
            assertTrue(seen.get() >= 3, "fragments were lost: " + seen.get() + " seen");
            assertTrue(group.rep(1).stats().counter("fragmented_messages") >= 1);
            assertTrue(group.rep(2).stats().counter("fragments_received") > 10);
            assertTrue(!group.rep(2).stats().appliedLsn().isBefore(done.join().lsn()), "applied up to the record");
        });
    }
}
