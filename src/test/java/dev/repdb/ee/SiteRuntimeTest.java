package dev.repdb.ee;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.NotMasterException;
import dev.repdb.Transaction;
import dev.repdb.jms.EmbeddedBroker;
import dev.repdb.rep.RepRole;
import java.nio.charset.StandardCharsets;
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
 * The EE site's runtime without a container: three sites over a real (embedded) Artemis broker elect a master,
 * replicate, report events in order and answer health as the container checks would.
 */
class SiteRuntimeTest {
    @TempDir
    Path dir;

    private EmbeddedBroker broker;
    private final List<JvmSite> sites = new ArrayList<>();

    private JvmSite site(int id) {
        return site(id, "10s");
    }

    private JvmSite site(int id, String ackTimeout) {
        JvmSite site = new JvmSite(id, dir.resolve("site" + id), broker.connectionFactory(), Map.of("repdb.group",
                "eetest", "repdb.ack-timeout", ackTimeout, "repdb.site.url", "http://site" + id));
        sites.add(site);
        return site;
    }

    @AfterEach
    void stop() {
        sites.forEach(JvmSite::close);
        if (broker != null) {
            broker.close();
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void threeSitesElectReplicateAndReportEventsInOrder() throws Exception {
        broker = new EmbeddedBroker(dir.resolve("broker"));
        for (int id = 1; id <= 3; id++) {
            site(id);
        }
        await("a master and two clients in sync", () -> sites.stream().filter(JvmSite::isMaster).count() == 1
                && sites.stream().filter(s -> !s.isMaster()).allMatch(s -> SiteHealth.readiness(s.runtime()).up()));
        JvmSite master = sites.stream().filter(JvmSite::isMaster).findFirst().orElseThrow();
        int masterId = master.runtime().config().siteId();

        assertTrue(SiteHealth.startup(master.runtime()).up());
        assertTrue(SiteHealth.readiness(master.runtime()).up());
        assertTrue(SiteHealth.liveness(master.runtime()).up());
        await("the master's ELECTED event", () -> !master.eventsOf(RepdbEvent.Elected.class).isEmpty());

        try (Transaction txn = master.runtime().environment().beginTransaction()) {
            master.runtime().environment().openDatabase("orders").put(txn, bytes("o1"), bytes("apples"));
            txn.commit();
        }
        for (JvmSite s : sites) {
            await("o1 on site " + s.runtime().config().siteId(),
                    () -> "apples".equals(text(s.runtime().environment().openDatabase("orders").get(bytes("o1")))));
        }

        for (JvmSite client : sites) {
            if (client == master) {
                continue;
            }
            NotMasterException refused = assertThrows(NotMasterException.class, () -> {
                try (Transaction txn = client.runtime().environment().beginTransaction()) {
                    client.runtime().environment().openDatabase("orders").put(txn, bytes("o2"), bytes("pears"));
                    txn.commit();
                }
            });
            assertTrue(refused.getMessage().contains(String.valueOf(masterId)), refused.getMessage());
            assertEquals(masterId, refused.masterId().orElseThrow());
            // events: numbered 1.. in order; the first is the start as a client; NEWMASTER naming the master, with
            // its URL as cdata, comes before STARTUPDONE
            List<RepdbEvent> events = client.events();
            for (int i = 0; i < events.size(); i++) {
                assertEquals(i + 1, events.get(i).sequence(), "event numbers in order: " + events);
            }
            RepdbEvent.RoleChanged first = (RepdbEvent.RoleChanged) events.get(0);
            assertEquals(RepRole.CLIENT, first.to());
            int newMaster = indexOf(events, e -> e instanceof RepdbEvent.NewMaster n && n.masterId() == masterId);
            int startup = indexOf(events, e -> e instanceof RepdbEvent.StartupDone);
            assertTrue(newMaster >= 0 && startup > newMaster, "NEWMASTER before STARTUPDONE: " + events);
            RepdbEvent.NewMaster nm = (RepdbEvent.NewMaster) events.get(newMaster);
            assertEquals("http://site" + masterId, new String(nm.cdata(), StandardCharsets.UTF_8));
            assertEquals(masterId, ((RepdbEvent.StartupDone) events.get(startup)).masterId());
            assertTrue(client.eventsOf(RepdbEvent.Elected.class).isEmpty(), "only the winner is ELECTED");
        }
        List<RepdbEvent.RoleChanged> masterRoles = master.eventsOf(RepdbEvent.RoleChanged.class);
        assertEquals(RepRole.MASTER, masterRoles.get(masterRoles.size() - 1).to());
        assertTrue(indexOf(master.events(), e -> e instanceof RepdbEvent.Elected)
                > indexOf(master.events(), e -> e instanceof RepdbEvent.RoleChanged r && r.to() == RepRole.CLIENT));
    }

    @Test
    void aClientWithoutAMasterIsStartingAndNotReadyButLive() throws Exception {
        broker = new EmbeddedBroker(dir.resolve("broker"));
        JvmSite alone = site(1);
        // one site of three cannot win an election: it stays a client without a master
        assertFalse(SiteHealth.startup(alone.runtime()).up());
        SiteHealth.Answer ready = SiteHealth.readiness(alone.runtime());
        assertFalse(ready.up());
        assertEquals(false, ready.data().get("masterKnown"));
        assertTrue(SiteHealth.liveness(alone.runtime()).up());
    }

    @Test
    void readinessGoesDownWhileTheBrokerIsAwayAndComesBack() throws Exception {
        broker = new EmbeddedBroker(dir.resolve("broker"));
        for (int id = 1; id <= 3; id++) {
            site(id);
        }
        await("every site ready", () -> sites.stream().allMatch(s -> SiteHealth.readiness(s.runtime()).up()));
        broker.stop();
        await("no site ready without the broker", () -> sites.stream()
                .noneMatch(s -> SiteHealth.readiness(s.runtime()).up()));
        assertTrue(sites.stream().allMatch(s -> SiteHealth.liveness(s.runtime()).up()), "still live");
        broker.start();
        await("every site ready again", () -> sites.stream().allMatch(s -> SiteHealth.readiness(s.runtime()).up()));
    }

    @Test
    void aCommitWithoutEnoughAcknowledgementsFiresPermFailedWithItsToken() throws Exception {
        broker = new EmbeddedBroker(dir.resolve("broker"));
        for (int id = 1; id <= 3; id++) {
            site(id, "500ms");
        }
        await("a master and two clients in sync", () -> sites.stream().allMatch(s -> SiteHealth.readiness(
                s.runtime()).up()));
        JvmSite master = sites.stream().filter(JvmSite::isMaster).findFirst().orElseThrow();
        for (JvmSite s : List.copyOf(sites)) {
            if (s != master) {
                s.close();
                sites.remove(s);
            }
        }
        dev.repdb.InsufficientAcksException failed = assertThrows(dev.repdb.InsufficientAcksException.class, () -> {
            try (Transaction txn = master.runtime().environment().beginTransaction()) {
                master.runtime().environment().openDatabase("orders").put(txn, bytes("lonely"), bytes("1"));
                txn.commit();
            }
        });
        String token = failed.token().toString();
        await("a PermFailed event for " + token, () -> master.eventsOf(RepdbEvent.PermFailed.class).stream()
                .anyMatch(e -> e.commitToken().equals(token)));
        RepdbEvent.PermFailed event = master.eventsOf(RepdbEvent.PermFailed.class).stream()
                .filter(e -> e.commitToken().equals(token)).findFirst().orElseThrow();
        assertEquals(0, event.acks());
        assertEquals(1, event.required(), "QUORUM of three: one client besides the master");
    }

    private static int indexOf(List<RepdbEvent> events, java.util.function.Predicate<RepdbEvent> p) {
        for (int i = 0; i < events.size(); i++) {
            if (p.test(events.get(i))) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
