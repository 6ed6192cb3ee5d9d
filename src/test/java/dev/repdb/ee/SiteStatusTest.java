package dev.repdb.ee;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.Transaction;
import dev.repdb.jms.EmbeddedBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status document's lag, retention and per-client fields on three JVM sites over a real (embedded) broker,
 * with small log segments and a 256 KiB {@code repdb.retain-log}: a group that writes many segments keeps its logs
 * bounded, and the master reports each client's lag in bytes, records and seconds (never -1 across files).
 */
class SiteStatusTest {
    @TempDir
    Path dir;

    private EmbeddedBroker broker;
    private final List<JvmSite> sites = new ArrayList<>();

    @AfterEach
    void stop() {
        sites.forEach(JvmSite::close);
        if (broker != null) {
            broker.close();
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @Test
    void lagAndRetentionAppearInTheStatusAcrossLogFiles() throws Exception {
        broker = new EmbeddedBroker(dir.resolve("broker"));
        for (int id = 1; id <= 3; id++) {
            sites.add(new JvmSite(id, dir.resolve("site" + id), broker.connectionFactory(), Map.of("repdb.group",
                    "statustest", "repdb.ack-timeout", "10s", "repdb.segment-size", "65536",
                    "repdb.max-record-size", "16384", "repdb.checkpoint-bytes", "65536",
                    "repdb.retain-log", "262144")));
        }
        await("a master and two clients in sync", () -> sites.stream().filter(JvmSite::isMaster).count() == 1
                && sites.stream().filter(s -> !s.isMaster()).allMatch(s -> SiteHealth.readiness(s.runtime()).up()));
        JvmSite master = sites.stream().filter(JvmSite::isMaster).findFirst().orElseThrow();
        byte[] value = new byte[4000];
        for (int i = 0; i < 200; i++) { // ~800 KiB: a dozen segments, three times the bound
            try (Transaction txn = master.runtime().environment().beginTransaction()) {
                master.runtime().environment().openDatabase("d").put(txn, ("k" + i).getBytes(), value);
                txn.commit();
            }
        }
        await("every client caught up, as the master's status says", () -> {
            Map<String, Object> clients = map(SiteStatus.of(master.runtime()).get("clients"));
            return clients.size() == 2 && clients.values().stream().map(SiteStatusTest::map)
                    .allMatch(c -> ((Number) c.get("lagBytes")).longValue() == 0
                            && ((Number) c.get("lagRecords")).longValue() == 0);
        });
        await("every site's log within the bound", () -> sites.stream().allMatch(s -> ((Number) map(
                SiteStatus.of(s.runtime()).get("log")).get("bytes")).longValue() <= (256 + 128) << 10));
        for (JvmSite s : sites) {
            Map<String, Object> doc = SiteStatus.of(s.runtime());
            Map<String, Object> log = map(doc.get("log"));
            assertEquals(262144L, ((Number) log.get("retainBytes")).longValue());
            assertTrue(!log.get("firstLsn").toString().startsWith("1/"), "old segments removed: " + log);
            assertTrue(((Number) doc.get("lagBytes")).longValue() >= 0, doc.toString());
            if (s != master) {
                await("site " + s.id() + " caught up", () -> ((Number) SiteStatus.of(s.runtime()).get("lagBytes"))
                        .longValue() == 0);
                assertTrue(((Number) SiteStatus.of(s.runtime()).get("lagSeconds")).doubleValue() >= 0);
            }
        }
    }
}
