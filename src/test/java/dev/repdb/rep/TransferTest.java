package dev.repdb.rep;

import dev.repdb.rep.wire.MessageType;
import static dev.repdb.rep.TestGroup.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.AckPolicy;
import dev.repdb.CommitToken;
import dev.repdb.Database;
import dev.repdb.EnvironmentConfig;
import dev.repdb.Transaction;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client-to-client service of ANYWHERE requests: the test re-addresses requests to a peer, which needs the codec's
 * internals, so these stay on {@link TestGroup}. Bulk transfer, throttling and fragments run on every harness in
 * {@code dev.repdb.minigroup.TransferTests}.
 */
class TransferTest extends dev.repdb.minigroup.RepdbTestBase {

    @TempDir
    Path dir;

    private static final Duration WAIT = Duration.ofSeconds(20);

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

    @Test
    void aPeerServesAnAnywhereRequestAndRefusesWhatItLacks() {
        try (TestGroup group = group(3, b -> b.ackPolicy(AckPolicy.NONE))) {
            TestGroup.Site lagging = group.site(2);
            TestGroup.Site peer = group.site(3);
            // site 2 misses the live stream; its requests (sent with ANYWHERE) are routed to peer 3
            group.dropWhere(e -> e.to() == 2 && e.from() == 1
                    && (e.type() == MessageType.LOG || e.type() == MessageType.BULK_LOG));
            group.routeWith(e -> e.from() == 2 && (e.flags() & Transport.ANYWHERE) != 0 ? 3 : e.to());
            List<CompletableFuture<CommitToken>> commits = commitMany(group.site(1), 20, 100);
            group.deliverUntil(() -> commits.stream().allMatch(CompletableFuture::isDone) && has(peer, "k19"), WAIT,
                    "the peer has everything");
            group.deliverUntil(() -> has(lagging, "k19"), WAIT, "the lagging site is served by its peer");
            assertTrue(peer.rep().stats().counter("client_svc_req") > 0);
            assertArrayEquals(group.site(1).env.openDatabase("d").get(b("k7")),
                    lagging.env.openDatabase("d").get(b("k7")));
        }
    }

    @Test
    void aPeerThatCannotServeAnswersRerequestAndTheMasterServes() {
        try (TestGroup group = group(3, b -> b.ackPolicy(AckPolicy.NONE))) {
            TestGroup.Site lagging = group.site(2);
            TestGroup.Site peer = group.site(3);
            // both clients miss the live stream; the peer cannot serve what it lacks
            group.dropWhere(e -> (e.to() == 2 || e.to() == 3) && e.from() == 1
                    && (e.type() == MessageType.LOG || e.type() == MessageType.BULK_LOG));
            group.routeWith(e -> e.from() == 2 && (e.flags() & Transport.ANYWHERE) != 0 ? 3 : e.to());
            List<CompletableFuture<CommitToken>> commits = commitMany(group.site(1), 5, 100);
            group.deliverUntil(() -> commits.stream().allMatch(CompletableFuture::isDone), WAIT, "commits");
            group.deliverAll();
            // from now on site 2 hears the master (heartbeats, answers), while the peer stays behind
            group.dropWhere(e -> e.to() == 3 && e.from() == 1);
            group.deliverUntil(() -> has(lagging, "k4"), WAIT, "served by the master after REREQUEST");
            assertTrue(peer.rep().stats().counter("client_svc_miss") > 0);
            assertTrue(lagging.rep().stats().counter("rerequests") > 0);
        }
    }
}
