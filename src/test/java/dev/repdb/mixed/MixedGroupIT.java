package dev.repdb.mixed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.repdb.Transaction;
import dev.repdb.ee.JvmSite;
import dev.repdb.it.Await;
import dev.repdb.it.ItDeployments;
import dev.repdb.it.ItSession;
import dev.repdb.it.LibertyServer;
import dev.repdb.it.WildFlyServer;
import dev.repdb.rep.RepRole;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A mixed group on one external broker (the failsafe JVM's, started by {@link ItSession}): site 1 on Open Liberty,
 * site 2 on WildFly, site 3 in the test JVM. Both servers run the same target/repdb-site.war; Liberty gets its
 * per-site values as server.xml variables, WildFly as system properties. The JVM site has priority 0, so every
 * election is won by a server and each failover goes from one kind of server to the other: Liberty is made master
 * and killed (SIGKILL), WildFly takes over, Liberty comes back as a client and catches up; then the reverse.
 *
 * <p>Runs only in the failsafe execution {@code it-servers} (no Arquillian container); the Arquillian executions,
 * which would also pick it up under {@code -Dit.test=MixedGroupIT}, report it as skipped. Prints one timing line per
 * phase ({@code [mixed] ...}).
 */
@EnabledIfSystemProperty(named = "repdb.it.container", matches = "mixed")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MixedGroupIT {
    private static final int LIBERTY_SITE = 1;
    private static final int WILDFLY_SITE = 2;
    private static final int JVM_SITE = 3;
    /** Not Arquillian's 100 (it-wildfly): HTTP 8380, management 10290. */
    private static final int WILDFLY_PORT_OFFSET = 300;
    /** Generous (DESIGN §5): two servers, a broker and the test JVM share a small machine. */
    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    private static final dev.repdb.Login LIBERTY_ADMIN = dev.repdb.Login.generate("mixed-admin");
    private static final String DB = "mixed";

    /**
     * The suite's generous timeouts, and acknowledgement policy ONE on every site. QUORUM counts only electable
     * clients' acknowledgements (as Berkeley DB does), so with one server down and the JVM site at priority 0 no
     * commit could be acknowledged: every PUT on the new master would answer 503.
     */
    private static final Map<String, String> GROUP_SETTINGS = groupSettings();

    private static Path work;
    private static Path siteWar;
    private static LibertyServer liberty;
    private static WildFlyServer wildfly;
    private static JvmSite jvm;
    private static ServerSite libertySite;
    private static ServerSite wildflySite;

    // ----- the group -------------------------------------------------------------------------------------------

    @BeforeAll
    static void startGroup() throws Exception {
        work = ItSession.workDir().resolve("mixed-" + System.currentTimeMillis());
        Files.createDirectories(work);
        siteWar = Path.of(required("repdb.it.siteWar"));
        int brokerPort = ItSession.broker().port();

        long t0 = System.nanoTime();
        liberty = new LibertyServer(Path.of(required("repdb.it.wlpHome")), "mixed-liberty")
                .create(Path.of(required("repdb.it.serverXml")))
                .site(LIBERTY_SITE, ItSession.GROUP, brokerPort)
                .variable("repdb.http.host", "127.0.0.1")
                .freeHttpPorts()
                .variable("repdb.home", work.resolve("site-" + LIBERTY_SITE))
                .brokerLogin(ItSession.broker().users().site(LIBERTY_SITE))
                .users(LIBERTY_ADMIN, dev.repdb.Login.generate("mixed-reader"));
        liberty.variable("repdb.site.url", "http://127.0.0.1:" + liberty.httpPort() + "/repdb-site");
        GROUP_SETTINGS.forEach(liberty::variable);
        Files.writeString(liberty.directory().resolve("jvm.options"), "-Xmx512m\n");
        liberty.deploy(siteWar);
        libertySite = new ServerSite(LIBERTY_SITE, "Liberty",
                URI.create("http://127.0.0.1:" + liberty.httpPort() + "/repdb-site/"), LIBERTY_ADMIN);
        liberty.start(TIMEOUT);
        liberty.awaitLog("CWWKZ0001I.*repdb-site", TIMEOUT);
        phase("Liberty site " + LIBERTY_SITE + " started (server + application)", t0);

        t0 = System.nanoTime();
        for (int port : List.of(8080 + WILDFLY_PORT_OFFSET, 9990 + WILDFLY_PORT_OFFSET)) {
            LibertyServer.requireFree(port);
        }
        Map<String, String> properties = new LinkedHashMap<>(GROUP_SETTINGS);
        properties.put("repdb.site.id", String.valueOf(WILDFLY_SITE));
        properties.put("repdb.group", ItSession.GROUP);
        properties.put("repdb.broker.host", "127.0.0.1");
        properties.put("repdb.broker.port", String.valueOf(brokerPort));
        properties.put("repdb.broker.user", ItSession.broker().users().site(WILDFLY_SITE).user());
        properties.put("repdb.broker.password", ItSession.broker().users().site(WILDFLY_SITE).password());
        properties.put("repdb.home", work.resolve("site-" + WILDFLY_SITE).toString());
        wildfly = WildFlyServer.create("mixed-wildfly", WildFlyServer.EXTERNAL_BROKER_CLI, WILDFLY_PORT_OFFSET,
                withSiteUrl(properties, "http://127.0.0.1:" + (8080 + WILDFLY_PORT_OFFSET) + "/repdb-site"));
        wildflySite = new ServerSite(WILDFLY_SITE, "WildFly", URI.create(wildfly.httpUrl() + "/repdb-site/"),
                wildfly.adminLogin());
        wildfly.start(TIMEOUT);
        wildfly.deploy(siteWar, TIMEOUT);
        phase("WildFly site " + WILDFLY_SITE + " started (server, then deployment)", t0);

        Map<String, String> jvmSettings = new HashMap<>(GROUP_SETTINGS);
        jvmSettings.put("repdb.priority", "0"); // never master: every failover goes from one server kind to the other
        jvm = new JvmSite(JVM_SITE, work.resolve("site-" + JVM_SITE),
                ItSession.broker().connectionFactory(ItSession.broker().users().site(JVM_SITE)),
                jvmSettings);
    }

    private static Map<String, String> groupSettings() {
        Map<String, String> settings = new LinkedHashMap<>(ItDeployments.GROUP_SETTINGS);
        settings.put("repdb.ack-policy", "ONE");
        return Map.copyOf(settings);
    }

    private static Map<String, String> withSiteUrl(Map<String, String> properties, String url) {
        properties.put("repdb.site.url", url);
        return properties;
    }

    /** Servers before the broker (ItSession closes it after the engine run): WildFly hangs on shutdown without it. */
    @AfterAll
    static void stopGroup() {
        List<Throwable> failures = new ArrayList<>();
        if (jvm != null) {
            run(failures, jvm::close);
        }
        if (liberty != null) {
            run(failures, liberty::stop);
        }
        if (wildfly != null) {
            run(failures, () -> wildfly.stop(Duration.ofSeconds(60)));
        }
        if (!failures.isEmpty()) {
            IllegalStateException e = new IllegalStateException("stopping the mixed group failed");
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }

    // ----- the scenario ----------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void aServerIsElectedMasterAndEverySiteFollowsIt() throws Exception {
        long t0 = System.nanoTime();
        int master = awaitAgreedMaster(List.of(libertySite, wildflySite, jvmSite()));
        assertTrue(master == LIBERTY_SITE || master == WILDFLY_SITE, "the JVM site has priority 0: " + master);
        phase("first master: site " + master + " (" + site(master).kind() + ")", t0);
    }

    @Test
    @Order(2)
    void aWriteOnTheMasterReachesAllThreeSites() throws Exception {
        int master = awaitAgreedMaster(List.of(libertySite, wildflySite, jvmSite()));
        long t0 = System.nanoTime();
        write(site(master), "k1", "written on site " + master);
        for (Site s : List.of(libertySite, wildflySite, jvmSite())) {
            awaitValue(s, "k1", "written on site " + master);
        }
        phase("k1 written on site " + master + " and read on all three", t0);
    }

    @Test
    @Order(3)
    void theMasterFailsOverFromLibertyToWildFlyAndLibertyRejoins() throws Exception {
        failover(libertySite, wildflySite, "k2");
    }

    @Test
    @Order(4)
    void theMasterFailsOverFromWildFlyToLibertyAndWildFlyRejoins() throws Exception {
        failover(wildflySite, libertySite, "k3");
    }

    @Test
    @Order(5)
    void everySiteHasEveryWrite() throws Exception {
        for (Site s : List.of(libertySite, wildflySite, jvmSite())) {
            awaitValue(s, "k1", null);
            awaitValue(s, "k2", "written on site " + WILDFLY_SITE);
            awaitValue(s, "k3", "written on site " + LIBERTY_SITE);
        }
    }

    /**
     * Makes {@code from} the master, kills its server, waits for {@code to} to take over (the JVM site follows),
     * writes {@code key} there, restarts the killed server on the same home and waits until it follows the new master
     * with that write.
     */
    private void failover(ServerSite from, ServerSite to, String key) throws Exception {
        List<Site> all = List.of(libertySite, wildflySite, jvmSite());
        int master = awaitAgreedMaster(all);
        if (master != from.id()) {
            long t0 = System.nanoTime();
            HttpResult r = site(master).transfer(from.id());
            assertEquals(202, r.status(), "transfer to site " + from.id() + ": " + r.body());
            await("site " + from.id() + " is master and every site follows it", () -> agreedMaster(all) == from.id());
            phase("master transferred from site " + master + " to site " + from.id() + " (" + from.kind() + ")", t0);
        }

        long t0 = System.nanoTime();
        kill(from);
        phase(from.kind() + " (site " + from.id() + ") killed with SIGKILL", t0);
        t0 = System.nanoTime();
        List<Site> survivors = List.of(to, jvmSite());
        await("site " + to.id() + " (" + to.kind() + ") master and the JVM site following it",
                () -> agreedMaster(survivors) == to.id());
        phase("failover " + from.kind() + " -> " + to.kind() + ": site " + to.id() + " master", t0);

        String value = "written on site " + to.id();
        t0 = System.nanoTime();
        write(to, key, value);
        awaitValue(jvmSite(), key, value);
        phase(key + " written on the new master and read on the JVM site", t0);

        t0 = System.nanoTime();
        restart(from);
        phase(from.kind() + " restarted (same home)", t0);
        t0 = System.nanoTime();
        await("site " + from.id() + " back as a client of site " + to.id(), () -> {
            JsonObject status = from.status();
            return status.getString("role").equals("CLIENT") && status.getInt("master") == to.id();
        });
        awaitValue(from, key, value);
        phase(from.kind() + " rejoined as a client and caught up with " + key, t0);
        assertEquals(to.id(), agreedMaster(all), "the new master stays master");
    }

    private static void kill(ServerSite site) throws Exception {
        if (site == libertySite) {
            liberty.kill();
        } else {
            wildfly.kill();
        }
    }

    /** The server with its existing directory and home: the same site after a crash. */
    private static void restart(ServerSite site) throws Exception {
        if (site == libertySite) {
            liberty.start(TIMEOUT);
            liberty.awaitLog("CWWKZ0001I.*repdb-site", TIMEOUT); // messages.log rolls over at start
        } else {
            // start() waits for /health/ready, which includes the redeployed site being in sync with a master
            wildfly.start(TIMEOUT);
        }
    }

    // ----- sites -----------------------------------------------------------------------------------------------

    /** One site of the group as the test sees it. */
    interface Site {
        int id();

        String kind();

        /** The master this site follows (itself when master), or a negative value when it knows none. */
        int master() throws Exception;

        boolean isMaster() throws Exception;

        /** The value of {@code key} in the test's database, or null. */
        String read(String key) throws Exception;

        /** Commits {@code key=value}; throws when refused (a caller may retry: the write is idempotent). */
        boolean put(String key, String value) throws Exception;

        HttpResult transfer(int target) throws Exception;
    }

    record HttpResult(int status, String body) {
    }

    /** A site in an application server, reached over HTTP as its repdb-admin user. */
    record ServerSite(int id, String kind, URI base, dev.repdb.Login admin) implements Site {
        private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

        JsonObject status() throws Exception {
            HttpResult r = send("GET", "repdb/status", null, false);
            if (r.status() != 200) {
                throw new IllegalStateException(kind + " status answered " + r);
            }
            try (JsonReader reader = Json.createReader(new StringReader(r.body()))) {
                return reader.readObject();
            }
        }

        @Override
        public int master() throws Exception {
            return status().getInt("master");
        }

        @Override
        public boolean isMaster() throws Exception {
            return status().getString("role").equals("MASTER");
        }

        @Override
        public String read(String key) throws Exception {
            HttpResult r = send("GET", "repdb/databases/" + DB + "/" + key, null, true);
            if (r.status() == 404) {
                return null;
            }
            if (r.status() != 200) {
                throw new IllegalStateException(kind + " GET " + key + " answered " + r);
            }
            return r.body();
        }

        @Override
        public boolean put(String key, String value) throws Exception {
            HttpResult r = send("PUT", "repdb/databases/" + DB + "/" + key, value, true);
            if (r.status() != 200) { // 409 (not master) and 503 (too few acks) right after an election: retried
                throw new IllegalStateException(kind + " PUT " + key + " answered " + r);
            }
            return true;
        }

        @Override
        public HttpResult transfer(int target) throws Exception {
            return send("POST", "repdb/transfer/" + target, "", true);
        }

        private HttpResult send(String method, String path, String body, boolean asAdmin) throws IOException,
                InterruptedException {
            HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            if (body != null) {
                request.header("Content-Type", "text/plain; charset=UTF-8");
            }
            request.header("Authorization", admin.basicAuthorization()); // status too: repdb-reader or repdb-admin
            if (!method.equals("GET")) {
                request.header("X-Repdb-Request", "mixed-it"); // AdminGate's cross-site request check
            }
            HttpResponse<String> response = CLIENT.send(request.build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new HttpResult(response.statusCode(), response.body());
        }
    }

    /** The site in the test JVM, used directly. */
    private static Site jvmSite() {
        return new Site() {
            @Override
            public int id() {
                return JVM_SITE;
            }

            @Override
            public String kind() {
                return "JVM";
            }

            @Override
            public int master() {
                return jvm.runtime().environment().replication().masterId();
            }

            @Override
            public boolean isMaster() {
                return jvm.runtime().environment().replication().role() == RepRole.MASTER;
            }

            @Override
            public String read(String key) {
                byte[] value = jvm.runtime().environment().openDatabase(DB).get(key.getBytes(StandardCharsets.UTF_8));
                return value == null ? null : new String(value, StandardCharsets.UTF_8);
            }

            @Override
            public boolean put(String key, String value) {
                try (Transaction txn = jvm.runtime().environment().beginTransaction()) {
                    jvm.runtime().environment().openDatabase(DB).put(txn, key.getBytes(StandardCharsets.UTF_8),
                            value.getBytes(StandardCharsets.UTF_8));
                    txn.commit();
                    return true;
                }
            }

            @Override
            public HttpResult transfer(int target) throws Exception {
                jvm.runtime().environment().replication().transferMaster(target, TIMEOUT).toCompletableFuture().get();
                return new HttpResult(202, "");
            }
        };
    }

    private static Site site(int id) {
        return switch (id) {
            case LIBERTY_SITE -> libertySite;
            case WILDFLY_SITE -> wildflySite;
            case JVM_SITE -> jvmSite();
            default -> throw new IllegalArgumentException("no site " + id);
        };
    }

    /** The master all {@code sites} follow, which itself says it is master; -1 while they disagree or know none. */
    private static int agreedMaster(List<Site> sites) throws Exception {
        int master = sites.get(0).master();
        for (Site s : sites) {
            if (s.master() != master) {
                return -1;
            }
        }
        if (master <= 0 || !sites.stream().anyMatch(s -> s.id() == master)) {
            return -1;
        }
        return site(master).isMaster() ? master : -1;
    }

    private static int awaitAgreedMaster(List<Site> sites) throws Exception {
        int[] master = {-1};
        await("a master every site follows", () -> (master[0] = agreedMaster(sites)) > 0);
        return master[0];
    }

    /** Commits on {@code site}, retrying while it answers "not now" (409/503 right after an election). */
    private static void write(Site site, String key, String value) throws Exception {
        await(key + " committed on site " + site.id(), () -> site.put(key, value));
    }

    /** Waits until {@code site} has {@code key} (with {@code value}, unless null). */
    private static void awaitValue(Site site, String key, String value) throws Exception {
        await(key + " on site " + site.id() + " (" + site.kind() + ")", () -> {
            String v = site.read(key);
            return value == null ? v != null : value.equals(v);
        });
    }

    // ----- waiting and reporting -------------------------------------------------------------------------------

    /** Polls {@code condition} until it holds or {@link #TIMEOUT}; a condition that throws counts as false. */
    private static void await(String what, Await.Condition condition) throws InterruptedException {
        Await.until(what, TIMEOUT, condition, () -> "\n--- Liberty ---\n" + (liberty == null ? "" : liberty.logTail(30))
                + "\n--- WildFly ---\n" + (wildfly == null ? "" : wildfly.logTail(30)));
    }

    private static void phase(String what, long startNanos) {
        System.out.printf("[mixed] %-75s %6.1f s%n", what, (System.nanoTime() - startNanos) / 1e9);
    }

    interface Action {
        void run() throws Exception;
    }

    private static void run(List<Throwable> failures, Action action) {
        try {
            action.run();
        } catch (Throwable t) {
            failures.add(t);
        }
    }

    private static String required(String key) {
        String value = System.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + key + " is not set (failsafe execution it-servers)");
        }
        return value;
    }
}
