package dev.repdb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.NotMasterException;
import dev.repdb.Transaction;
import dev.repdb.ee.JvmSite;
import jakarta.jms.BytesMessage;
import jakarta.jms.JMSContext;
import jakarta.jms.Queue;
import jakarta.json.JsonObject;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The behaviour suite of a site in a real application server (the container this failsafe execution runs:
 * Open Liberty or WildFly), in a 3-site group with two sites in the test JVM, over a real Artemis broker. The
 * methods run in order and build on each other: alone, then a group, replication, a master transfer, the master
 * lost, a new master, the old one back. The server's site is site 1; the JVM sites are 2 and 3.
 */
@ExtendWith(ArquillianExtension.class)
// it-servers has no Arquillian container; -Dit.test=SiteIT would otherwise run this there too
@DisabledIfSystemProperty(named = "repdb.it.container", matches = "mixed")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SiteIT {
    private static final int SERVER_SITE = ItSession.ARQ_SITE_ID;
    /** The JVM sites' settings: timeouts at least 5 × the defaults, as the server's (ItDeployments). */
    private static final Map<String, String> JVM_SETTINGS = ItDeployments.GROUP_SETTINGS;

    private static final List<JvmSite> jvmSites = new ArrayList<>(List.of());
    private static JvmSite site2;
    private static JvmSite site3;

    @ArquillianResource
    private URL base;

    @Deployment(testable = false)
    static WebArchive site() {
        return ItDeployments.site();
    }

    @AfterAll
    static void closeJvmSites() {
        for (JvmSite s : List.of(site2, site3).stream().filter(java.util.Objects::nonNull).toList()) {
            s.close();
        }
    }

    private Http http() {
        return new Http(base);
    }

    private static JvmSite openJvmSite(int id) {
        return new JvmSite(id, ItSession.runDir().resolve("jvm-site-" + id),
                ItSession.broker().connectionFactory(ItSession.broker().users().site(id)), JVM_SETTINGS);
    }

    @Test
    @Order(1)
    void aSiteAloneIsLiveButNeitherStartedNorReady() throws Exception {
        Http http = http();
        Http.Reply live = http.health("live");
        assertEquals(200, live.status(), live.body());
        Http.Reply ready = http.health("ready");
        assertEquals(503, ready.status(), "one site of three cannot have a master: " + ready.body());
        assertEquals(503, http.health("started").status());
        JsonObject status = http.status();
        assertEquals("CLIENT", status.getString("role"));
        assertEquals(SERVER_SITE, status.getInt("siteId"));
        // a client injecting a database the master has not created: no exception, reads as empty, writes nothing
        JsonObject injected = http.json("GET", "it/injected/k1").asJsonObject();
        assertFalse(injected.getBoolean("found"), injected.toString());
        assertFalse(injected.getJsonArray("databases").toString().contains("injected"), injected.toString());
        JsonObject again = http.json("GET", "it/injected/k1").asJsonObject();
        assertEquals(injected.getString("lastLsn"), again.getString("lastLsn"), "a second injection wrote nothing");
    }

    @Test
    @Order(2)
    void withTwoMoreSitesAMasterIsElectedAndTheServerSiteBecomesReady() throws Exception {
        site2 = openJvmSite(2);
        site3 = openJvmSite(3);
        Http http = http();
        Await.until("a master in the group and the server's site ready", () -> masterId() > 0
                && http.health("ready").status() == 200);
        Http.Reply started = http.health("started");
        assertEquals(200, started.status(), started.body());
        // make the server's site the master, whoever won, through the core's own transfer
        int master = masterId();
        if (master != SERVER_SITE) {
            JvmSite jvmMaster = master == 2 ? site2 : site3;
            jvmMaster.runtime().environment().replication().transferMaster(SERVER_SITE, Await.TIMEOUT)
                    .toCompletableFuture().get();
        }
        Await.until("the server's site is master", () -> "MASTER".equals(http.status().getString("role"))
                && site2.runtime().environment().replication().masterId() == SERVER_SITE
                && site3.runtime().environment().replication().masterId() == SERVER_SITE);
    }

    @Test
    @Order(3)
    void aWriteOnTheMasterReachesEverySiteAndAWriteOnAClientNamesTheMaster() throws Exception {
        Http http = http();
        Http.Reply put = http.admin("PUT", "repdb/databases/orders/o1", "apples");
        assertEquals(200, put.status(), put.body());
        for (JvmSite s : List.of(site2, site3)) {
            Await.until("o1 on site " + s.id(), () -> "apples".equals(text(s.runtime().environment()
                    .openDatabase("orders").get(bytes("o1")))));
            NotMasterException refused = assertThrows(NotMasterException.class, () -> {
                try (Transaction txn = s.runtime().environment().beginTransaction()) {
                    s.runtime().environment().openDatabase("orders").put(txn, bytes("o2"), bytes("pears"));
                    txn.commit();
                }
            });
            assertEquals(SERVER_SITE, refused.masterId().orElseThrow(), refused.getMessage());
        }
        assertEquals(401, http.request("PUT", "repdb/databases/orders/o3", "no credentials", null).status(),
                "writes need the repdb-admin role");
        assertEquals("apples", http.admin("GET", "repdb/databases/orders/o1", null).body());
    }

    @Test
    @Order(4)
    void malformedMessagesAreCountedAndConsumedOnce() throws Exception {
        Http http = http();
        long before = http.status().getJsonObject("jms").getJsonNumber("malformed").longValue();
        // sent with site 2's broker login: the broker lets a site send to another site's queue
        try (JMSContext context = ItSession.broker().connectionFactory(ItSession.broker().users().site(2))
                .createContext()) {
            Queue queue = context.createQueue("repdb.site." + SERVER_SITE);
            context.createProducer().setProperty("repdbSender", 2).send(queue, "a text message, not bytes");
            BytesMessage garbage = context.createBytesMessage();
            garbage.writeBytes(new byte[] {0, 0, 0, 7, 1, 2, 3});
            garbage.setIntProperty("repdbSender", 2);
            garbage.setIntProperty("repdbTarget", SERVER_SITE);
            context.createProducer().send(queue, garbage);
            BytesMessage anonymous = context.createBytesMessage();
            anonymous.writeBytes(new byte[64]);
            context.createProducer().send(queue, anonymous); // no repdbSender property
        }
        Await.until("three malformed messages counted", () -> http.status().getJsonObject("jms")
                .getJsonNumber("malformed").longValue() == before + 3);
        // the group still works, and the three were consumed once (no redelivery loop)
        assertEquals(200, http.admin("PUT", "repdb/databases/orders/o4", "figs").status());
        Await.until("o4 on site 2", () -> "figs".equals(text(site2.runtime().environment().openDatabase("orders")
                .get(bytes("o4")))));
        assertEquals(before + 3, http.status().getJsonObject("jms").getJsonNumber("malformed").longValue());
        Path log = ItSession.serverLog();
        if (log != null) {
            long lines = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                    .filter(l -> l.contains("dropped a malformed JMS message")).count();
            assertTrue(lines >= 1 && lines <= 2, "logged once, rate-limited: " + lines + " lines");
        }
    }

    @Test
    @Order(5)
    void theMasterTransferActionHandsTheRoleToAJvmSite() throws Exception {
        Http http = http();
        assertEquals(401, http.request("POST", "repdb/transfer/2", "", null).status());
        Http.Reply bad = http.admin("POST", "repdb/transfer/zero", "");
        assertEquals(400, bad.status(), bad.body());
        Http.Reply accepted = http.admin("POST", "repdb/transfer/2", "");
        assertEquals(202, accepted.status(), accepted.body());
        Await.until("site 2 is master and the server's site follows it", () -> site2.isMaster()
                && http.status().getInt("master") == 2 && http.health("ready").status() == 200);
        Http.Reply refused = http.admin("PUT", "repdb/databases/orders/o5", "kiwis");
        assertEquals(409, refused.status(), refused.body());
        assertTrue(refused.body().contains("2"), "names the master: " + refused.body());
    }

    @Test
    @Order(6)
    void whenTheMasterIsLostTheServerSiteIsNotReadyUntilANewMasterIsElected() throws Exception {
        Http http = http();
        // site 3 goes too, so that no majority can elect until it returns: the not-ready stretch lasts until then,
        // instead of the few milliseconds an election takes (which a poller could miss)
        site2.close();
        site3.close();
        Await.until("the server's site reports DOWN (no master)", () -> http.health("ready").status() == 503);
        site3 = openJvmSite(3);
        Await.until("a new master among sites 1 and 3, and the server's site ready again", () -> {
            int master = http.status().getInt("master");
            return (master == SERVER_SITE || master == 3) && http.health("ready").status() == 200;
        });
        int newMaster = http.status().getInt("master");
        assertNotEquals(2, newMaster);
        // the events seen inside the container say so
        Await.until("a NewMaster event naming site " + newMaster, () -> events(http).stream()
                .anyMatch(e -> e.getString("type").equals("NewMaster") && e.getInt("masterId") == newMaster));
    }

    @Test
    @Order(7)
    void theOldMasterRejoinsAsAClientAndCatchesUp() throws Exception {
        Http http = http();
        int master = http.status().getInt("master");
        if (master == SERVER_SITE) {
            assertEquals(200, http.admin("PUT", "repdb/databases/orders/o6", "plums").status());
        } else {
            try (Transaction txn = site3.runtime().environment().beginTransaction()) {
                site3.runtime().environment().openDatabase("orders").put(txn, bytes("o6"), bytes("plums"));
                txn.commit();
            }
        }
        site2 = openJvmSite(2);
        Await.until("site 2 back as a client with o6", () -> !site2.isMaster()
                && site2.runtime().environment().replication().masterId() == master
                && "plums".equals(text(site2.runtime().environment().openDatabase("orders").get(bytes("o6")))));
        Await.until("o6 on the server's site", () -> "plums".equals(http.admin("GET", "repdb/databases/orders/o6",
                null).body()));
    }

    @Test
    @Order(8)
    void cdiEventsWereObservedInOrderByBothKindsOfObserver() throws Exception {
        List<JsonObject> events = events(http());
        List<JsonObject> sync = events.stream().filter(e -> e.getString("observer").equals("sync")).toList();
        List<JsonObject> async = events.stream().filter(e -> e.getString("observer").equals("async")).toList();
        for (int i = 0; i < sync.size(); i++) {
            assertEquals(i + 1, sync.get(i).getInt("sequence"), "numbered in firing order: " + sync);
        }
        assertEquals(sync.stream().map(e -> e.getInt("sequence")).toList(),
                async.stream().map(e -> e.getInt("sequence")).toList(), "async observers saw the same order");
        assertEquals("RoleChanged", sync.get(0).getString("type"));
        assertEquals("CLIENT", sync.get(0).getString("to"));
        List<Integer> masters = sync.stream().filter(e -> e.getString("type").equals("NewMaster"))
                .map(e -> e.getInt("masterId")).toList();
        assertTrue(masters.contains(2), "NEWMASTER for site 2 after the transfer: " + masters);
        int toTwo = indexOf(sync, e -> e.getString("type").equals("NewMaster") && e.getInt("masterId") == 2);
        assertEquals("site-2", sync.get(toTwo).getString("cdata"), "NEWMASTER carries the master's cdata");
        assertTrue(sync.get(toTwo).getInt("generation") > 0);
        int startupAfter = indexOf(sync.subList(toTwo, sync.size()), e -> e.getString("type").equals("StartupDone"));
        assertTrue(startupAfter > 0, "STARTUPDONE follows the NEWMASTER of site 2: " + sync);
        assertTrue(sync.stream().anyMatch(e -> e.getString("type").equals("RoleChanged")
                && e.getString("to").equals("MASTER")), "the server's site was master once: " + sync);
    }

    @Test
    @Order(9)
    void theResourcesNeedALoginReadersOnlyReadAndCrossSiteRequestsAreRefused() throws Exception {
        Http http = http();
        assertEquals(401, http.request("GET", "repdb/status", null, null).status(), "status needs a login");
        dev.repdb.Login reader = ItSession.readerLogin();
        dev.repdb.Login admin = ItSession.adminLogin();
        assertEquals(200, http.as(reader, "GET", "repdb/status", null, Map.of()).status());
        assertEquals(200, http.as(reader, "GET", "repdb/databases/orders/o1", null, Map.of()).status(),
                "a reader reads data");
        Map<String, String> csrf = Http.csrfHeader("POST");
        assertEquals(403, http.as(reader, "POST", "repdb/election", "", csrf).status(), "a reader holds no election");
        assertEquals(403, http.as(reader, "POST", "repdb/transfer/3", "", csrf).status());
        assertEquals(403, http.as(reader, "PUT", "repdb/databases/orders/r1", "no", csrf).status());
        assertEquals(401, http.request("POST", "repdb/election", "", null).status());

        // what a cross-site form post looks like: the browser sends the cached Basic login, no custom header
        Http.Reply form = http.as(admin, "POST", "repdb/election", "a=b",
                Map.of("Content-Type", "application/x-www-form-urlencoded", "Origin", "http://evil.example"));
        assertEquals(403, form.status(), form.body());
        Http.Reply noHeader = http.as(admin, "PUT", "repdb/databases/orders/c1", "x", Map.of());
        assertEquals(403, noHeader.status(), noHeader.body());
        assertTrue(noHeader.body().contains("X-Repdb-Request"), noHeader.body());
        Map<String, String> foreign = new java.util.HashMap<>(csrf);
        foreign.put("Origin", "http://evil.example:" + base.getPort());
        assertEquals(403, http.as(admin, "PUT", "repdb/databases/orders/c2", "x", foreign).status(),
                "the header alone does not do when the Origin is another site");
        // same origin with the header passes the gate (the master commits; a client answers 409 naming it)
        Map<String, String> sameOrigin = new java.util.HashMap<>(csrf);
        sameOrigin.put("Origin", base.getProtocol() + "://" + base.getHost() + ":" + base.getPort());
        int status = http.as(admin, "PUT", "repdb/databases/orders/c3", "ok", sameOrigin).status();
        assertTrue(status == 200 || status == 409, "passed the gate: " + status);
        // no state change on GET: an action's URL does not answer GET
        assertEquals(405, http.as(admin, "GET", "repdb/election", null, Map.of()).status());
        assertEquals(404, http.as(admin, "GET", "repdb/databases/orders/c1", null, Map.of()).status(),
                "the refused writes wrote nothing");
    }

    @Test
    @Order(10)
    void anInjectedDatabaseOnTheMasterWritesNothingUntilWrittenThrough() throws Exception {
        Http http = http();
        makeTheServerSiteMaster(http);
        JsonObject before = http.json("GET", "it/injected/k2").asJsonObject();
        assertFalse(before.getBoolean("found"));
        assertFalse(before.getJsonArray("databases").toString().contains("injected"), before.toString());
        JsonObject again = http.json("GET", "it/injected/k2").asJsonObject();
        assertEquals(before.getString("lastLsn"), again.getString("lastLsn"), "injecting on the master wrote nothing");
        assertEquals(List.of(), List.of(site2, site3).stream().filter(s -> s.runtime().environment().databaseNames()
                .contains("injected")).toList(), "nor did any record reach the clients");

        Http.Reply put = http.request("PUT", "it/injected/k2", "kiwis", null);
        assertEquals(200, put.status(), put.body());
        for (JvmSite s : List.of(site2, site3)) {
            Await.until("k2 through the injected handle on site " + s.id(), () -> "kiwis".equals(text(s.runtime()
                    .environment().openDatabase("injected").get(bytes("k2")))));
        }
        assertTrue(http.json("GET", "it/injected/k2").asJsonObject().getBoolean("found"));
    }

    @Test
    @Order(11)
    void theSitesMetricsReachTheServersOpenTelemetryExporter() throws Exception {
        Http http = http();
        OtlpReceiver otlp = ItSession.otlp();
        Map<String, String> site = Map.of("repdb.site", String.valueOf(SERVER_SITE));
        JsonObject status = http.status();
        int generation = status.getInt("generation");
        java.util.function.Supplier<String> seen = () -> "\nexports received: " + otlp.exports() + ", metrics: "
                + otlp.names() + "\n--- server log ---\n" + serverLogTail();
        // compared with what the status says now (order 9 made the server's site master, if it could)
        double role = "MASTER".equals(status.getString("role")) ? 2 : 1;
        int master = status.getInt("master");
        Await.until("the site's role, master and generation exported as the status shows them", Await.TIMEOUT, () ->
                otlp.value("repdb.role", site).orElse(-1.0) == role
                && otlp.value("repdb.master", site).orElse(-1.0) == master
                && otlp.value("repdb.generation", site).orElse(-1.0) == generation, seen);
        assertEquals(1.0, otlp.value("repdb.health", with(site, "check", "ready")).orElseThrow());
        assertEquals(1.0, otlp.value("repdb.jms.connected", site).orElseThrow());
        assertTrue(count(otlp, "repdb.replication.count", with(site, "counter", "msgs_processed")) > 0);
        assertTrue(count(otlp, "repdb.replication.count", with(site, "counter", role == 2 ? "acks_received" : "acks_sent")) > 0);
        assertTrue(count(otlp, "repdb.jms.messages", with(site, "kind", "sent")) > 0);
        assertTrue(count(otlp, "repdb.jms.messages", with(site, "kind", "malformed")) >= 3, "the three of order 4");
        Await.until("the clients' lag exported", Await.TIMEOUT, () -> role != 2 || otlp.value("repdb.client.lag",
                with(site, "client", "2")).isPresent() && otlp.value("repdb.client.lag", with(site, "client", "3"))
                .isPresent(), seen);
        // the exported counters follow the status document's (exports run every second)
        long processed = status.getJsonObject("counters").getJsonNumber("msgs_processed").longValue();
        Await.until("msgs_processed exported at least as high as the status said", Await.TIMEOUT, () ->
                count(otlp, "repdb.replication.count", with(site, "counter", "msgs_processed")) >= processed, seen);
    }

    @Test
    @Order(12)
    void theStatusPageShowsTheGroupInAHeadlessBrowserAndRefreshesByItself() throws Exception {
        java.util.Optional<StatusPageBrowser> maybe = StatusPageBrowser.open();
        if (maybe.isEmpty()) {
            // CI installs chromium and chromium-driver (.ci/run); a developer machine without them skips
            assertTrue(System.getenv("CI") == null, "CI must have chromium and chromedriver on the PATH");
            org.junit.jupiter.api.Assumptions.abort("no chromium/chromedriver on the PATH");
        }
        Http http = http();
        assertEquals(401, http.request("GET", "repdb/", null, null).status(), "the page needs a login");
        dev.repdb.Login reader = ItSession.readerLogin();
        assertEquals(200, http.as(reader, "GET", "repdb/", null, Map.of()).status());
        try (StatusPageBrowser browser = maybe.get()) {
            // log in once with credentials in a URL (the browser caches them for the realm), then open the page by its
            // plain URL: a page opened with credentials in its URL may not fetch (the Fetch standard refuses URLs
            // carrying credentials, and relative ones inherit them)
            URI page = URI.create(base.toString().replaceFirst("/?$", "/") + "repdb/");
            browser.get(new URI(page.getScheme(), reader.user() + ":" + reader.password(), page.getHost(),
                    page.getPort(), page.getPath() + "status", null, null).toString());
            browser.get(page.toString());
            JsonObject now = http.status();
            String role = now.getString("role");
            String master = "site " + now.getInt("master");
            browser.until("the page shows site 1 as " + role + " with master " + master, d -> browser.text("site-id")
                    .equals("1") && browser.text("role").equals(role) && browser.text("master").equals(master));
            browser.until("three sites in the table, sites 2 and 3 heard recently",
                    d -> browser.all("#sites tbody tr").size() == 3
                    && browser.all("#sites tr[data-site='2'] td").get(5).getText().endsWith("ago")
                    && browser.all("#sites tr[data-site='3'] td").get(5).getText().endsWith("ago"));
            JsonObject status = http.status();
            assertEquals(String.valueOf(status.getInt("generation")), browser.text("generation"));
            assertTrue(browser.all("#elections li").stream().anyMatch(li -> li.getText().contains("NewMaster")),
                    "recent elections listed");
            assertTrue(browser.all("#events li").size() >= 3, "recent events listed");
            assertEquals(now.getInt("master") == 2 ? "MASTER" : "CLIENT",
                    browser.all("#sites tr[data-site='2'] td").get(1).getText());
            // it refreshes by itself: a write shows up as a new applied LSN without reloading the page
            String applied = browser.text("applied");
            if ("MASTER".equals(role)) {
                assertEquals(200, http.admin("PUT", "repdb/databases/orders/o7", "limes").status());
            } else {
                JvmSite jvmMaster = now.getInt("master") == 2 ? site2 : site3;
                try (Transaction txn = jvmMaster.runtime().environment().beginTransaction()) {
                    jvmMaster.runtime().environment().openDatabase("orders").put(txn, bytes("o7"), bytes("limes"));
                    txn.commit();
                }
            }
            browser.until("the new applied LSN without a reload", d -> !browser.text("applied").equals(applied));
            browser.until("the page settled", d -> browser.text("health").equals("ready, live"));
            browser.screenshot(Path.of("target", "screenshots", "status-page-" + ItSession.container() + ".png"));
        }
    }

    private void makeTheServerSiteMaster(Http http) throws Exception {
        int master = masterId();
        if (master != SERVER_SITE) {
            JvmSite jvmMaster = master == 2 ? site2 : site3;
            jvmMaster.runtime().environment().replication().transferMaster(SERVER_SITE, Await.TIMEOUT)
                    .toCompletableFuture().get();
        }
        Await.until("the server's site is master, followed by sites 2 and 3", () -> "MASTER".equals(
                http.status().getString("role")) && http.health("ready").status() == 200
                && site2.runtime().environment().replication().masterId() == SERVER_SITE
                && site3.runtime().environment().replication().masterId() == SERVER_SITE);
    }

    private static long count(OtlpReceiver otlp, String metric, Map<String, String> having) {
        return otlp.value(metric, having).map(Double::longValue).orElse(-1L);
    }

    private static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> m = new java.util.HashMap<>(base);
        m.put(key, value);
        return m;
    }

    private static String serverLogTail() {
        try {
            Path log = ItSession.serverLog();
            List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (Exception e) {
            return "(no server log: " + e + ")";
        }
    }

    private static List<JsonObject> events(Http http) throws Exception {
        return http.json("GET", "it/events").asJsonArray().getValuesAs(JsonObject.class);
    }

    private int masterId() throws Exception {
        return http().status().getInt("master");
    }

    private static int indexOf(List<JsonObject> list, java.util.function.Predicate<JsonObject> p) {
        for (int i = 0; i < list.size(); i++) {
            if (p.test(list.get(i))) {
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
