package dev.repdb.ee;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.Transaction;
import dev.repdb.jms.EmbeddedBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group of one ({@code repdb.nsites=1}) becomes master and ready on its own, so a Kubernetes StatefulSet of one
 * replica (or any orchestrator that waits for readiness before starting the next pod) never deadlocks; and it does
 * again after a restart on the same home. Same SiteRuntime and health answers as in a server.
 */
class LoneSiteTest {
    private static final Map<String, String> ALONE = Map.of("repdb.group", "lone", "repdb.nsites", "1");

    @TempDir
    Path dir;

    private EmbeddedBroker broker;
    private JvmSite site;

    @AfterEach
    void stop() {
        if (site != null) {
            site.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void aLoneSiteBecomesMasterAndReadyAndIsAgainAfterARestart() throws Exception {
        broker = new EmbeddedBroker(dir.resolve("broker"));
        site = new JvmSite(1, dir.resolve("site1"), broker.connectionFactory(), ALONE);
        assertEquals(1, site.runtime().environment().replication().config().nsites());
        await("the lone site is master and ready", () -> site.isMaster() && SiteHealth.readiness(site.runtime()).up());
        assertTrue(SiteHealth.startup(site.runtime()).up());
        assertTrue(SiteHealth.liveness(site.runtime()).up());
        try (Transaction txn = site.runtime().environment().beginTransaction()) {
            site.runtime().environment().openDatabase("orders").put(txn, bytes("o1"), bytes("apples"));
            txn.commit(); // QUORUM of a group of one: no acknowledgement to wait for
        }

        site.close();
        site = new JvmSite(1, dir.resolve("site1"), broker.connectionFactory(), ALONE);
        await("master and ready again after the restart", () -> site.isMaster()
                && SiteHealth.readiness(site.runtime()).up());
        assertArrayEquals(bytes("apples"), site.runtime().environment().openDatabase("orders").get(bytes("o1")));
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
