package dev.repdb.demo;

import dev.repdb.it.SiteClient;
import dev.repdb.it.SiteServer;
import dev.repdb.jms.BrokerUsers;
import dev.repdb.jms.EmbeddedBroker;
import jakarta.json.JsonObject;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * The README's group command: an embedded Artemis broker and a 3-site group, one site per real application server
 * (Open Liberty by default, WildFly with {@code -Drepdb.demo.server=wildfly}), each running the thin site application
 * {@code target/repdb-site.war}. A scripted scenario over the sites' HTTP status and admin resources: a master is
 * elected; orders written on it reach the clients; the master's server is stopped; the other two elect a new master,
 * which takes more orders; the old master's server starts again, rejoins as a client and catches up. Exits 0 only if
 * every site ends with every order. With {@code -Drepdb.demo.keep=true} the group stays up (status URLs printed)
 * until Ctrl-C.
 */
public final class ServerGroupDemo {
    /** Timeouts well above the defaults: three servers and a broker share two cores. */
    private static final Map<String, String> SETTINGS = Map.of("repdb.group", "demo", "repdb.ack-timeout", "10s",
            "repdb.master-timeout", "5s", "repdb.election-timeout", "1s", "repdb.full-election-timeout", "5s");
    private static final Duration START = Duration.ofMinutes(3);
    private static final Duration WAIT = Duration.ofMinutes(3);

    private final Path dir;
    private final PrintStream out;
    private final String kind;
    private final List<SiteServer> sites = new ArrayList<>();
    private EmbeddedBroker broker;

    private ServerGroupDemo(Path dir, PrintStream out, String kind) {
        this.dir = dir;
        this.out = out;
        this.kind = kind;
    }

    public static void main(String[] args) throws Exception {
        // a fresh directory per run: homes of an earlier run would belong to another group's history
        Path dir = (args.length > 0 ? Path.of(args[0]) : Path.of("target/demo-group"))
                .resolve("run-" + System.currentTimeMillis());
        String kind = System.getProperty("repdb.demo.server", "liberty");
        boolean keep = Boolean.getBoolean("repdb.demo.keep");
        ServerGroupDemo demo = new ServerGroupDemo(dir.toAbsolutePath(), System.out, kind);
        boolean ok;
        try {
            ok = demo.scenario();
            if (ok && keep) {
                demo.keepRunning();
            }
        } finally {
            demo.shutdown();
        }
        System.exit(ok ? 0 : 1);
    }

    /** Runs the scenario under {@code dir} on {@code kind} (liberty or wildfly); returns whether every check held. */
    public static boolean run(Path dir, PrintStream out, String kind) throws Exception {
        ServerGroupDemo demo = new ServerGroupDemo(dir.toAbsolutePath(), out, kind);
        try {
            return demo.scenario();
        } finally {
            demo.shutdown();
        }
    }

    private SiteServer newSite(int id) throws Exception {
        Map<String, String> settings = new java.util.HashMap<>(SETTINGS);
        settings.put("repdb.home", dir.resolve("site" + id).toString());
        settings.put("repdb.site.url", "site " + id + " (" + kind + ")");
        Path war = Path.of(System.getProperty("repdb.demo.siteWar", "target/repdb-site.war")).toAbsolutePath();
        requireFile(war, "the site application; build it with mvn -DskipTests verify");
        if (kind.equals("wildfly")) {
            ServerRuntimes.ensure(kind, Path.of("target/wildfly/bin/standalone.sh"), out::println);
            return SiteServer.wildfly(war, "demo-site" + id, id, broker.port(), broker.users().site(id),
                    2000 + 100 * id, settings);
        }
        Path wlp = Path.of(System.getProperty("repdb.demo.wlpHome", "target/liberty/wlp")).toAbsolutePath();
        if (System.getProperty("repdb.demo.wlpHome") == null) {
            ServerRuntimes.ensure(kind, wlp.resolve("usr/shared/resources/repdb-artemis-ra.rar"), out::println);
        }
        requireFile(wlp.resolve("bin/server"), "Open Liberty (target/liberty/wlp)");
        return SiteServer.liberty(wlp, Path.of("server-config/liberty/server.xml").toAbsolutePath(), war,
                "demo-site" + id, id, broker.port(), broker.users().site(id), settings);
    }

    private static void requireFile(Path path, String what) {
        if (!Files.exists(path)) {
            throw new IllegalStateException(path + " is missing: " + what);
        }
    }

    private boolean scenario() throws Exception {
        out.println("repdb group demo on " + kind + " in " + dir);
        Files.createDirectories(dir);
        // broker authentication on, one login per site; each server gets its own generated admin user
        broker = EmbeddedBroker.secured(dir.resolve("broker"), new BrokerUsers(SETTINGS.get("repdb.group"), 1, 2, 3));
        out.println("embedded Artemis broker on 127.0.0.1:" + broker.port() + " (a login per site)");
        for (int id = 1; id <= 3; id++) {
            sites.add(newSite(id));
        }
        out.println("starting three " + kind + " servers, one site each (they join as clients and elect a master)");
        startAll(sites);
        for (SiteServer s : sites) {
            out.println("  " + s.describe() + ": " + s.appUrl() + "repdb/status");
        }
        int master = awaitMaster("a master elected and both clients in sync", -1);
        out.println("site " + master + " is master");
        for (int i = 1; i <= 3; i++) {
            put(master, "order-" + i, "item " + i);
        }
        out.println("site " + master + " committed order-1..3 (QUORUM)");
        if (!awaitOrders(sites, 3)) {
            return false;
        }
        out.println("every site holds order-1..3");
        HttpResponse<String> refused = client(anyClient(master)).put("orders", "order-x", "refused");
        out.println("a write on a client answers " + refused.statusCode() + ": " + refused.body());
        if (refused.statusCode() != 409) {
            return false;
        }

        out.println("stopping site " + master + "'s server (the master)");
        site(master).stop();
        List<SiteServer> rest = sites.stream().filter(s -> s != site(master)).toList();
        int newMaster = awaitMaster("a new master among the other two", master);
        out.println("site " + newMaster + " is the new master");
        put(newMaster, "order-4", "item 4");
        put(newMaster, "order-5", "item 5");
        out.println("site " + newMaster + " committed order-4..5");
        if (!awaitOrders(rest, 5)) {
            return false;
        }

        out.println("starting site " + master + "'s server again");
        site(master).start(START);
        boolean back = await("site " + master + " back as a client of site " + newMaster + ", caught up", () -> {
            JsonObject s = client(site(master)).status();
            return s.getString("role").equals("CLIENT") && s.getInt("master") == newMaster
                    && "item 5".equals(client(site(master)).get("orders", "order-5"));
        });
        if (!back || !awaitOrders(sites, 5)) {
            return false;
        }
        out.println("OK: all three sites hold the same 5 orders; site " + newMaster + " is master, site " + master
                + " a client");
        return true;
    }

    private void keepRunning() throws InterruptedException {
        out.println("the group keeps running (Ctrl-C stops it):");
        for (SiteServer s : sites) {
            out.println("  " + s.describe() + ": status " + s.appUrl() + "repdb/status, health " + s.healthUrl()
                    + ", user " + s.adminLogin().user() + " / " + s.adminLogin().password() + " (generated)");
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            shutdown();
            stop.countDown();
        }));
        stop.await();
    }

    private void startAll(List<SiteServer> servers) throws Exception {
        List<Thread> threads = new ArrayList<>();
        List<Exception> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (SiteServer s : servers) {
            Thread t = new Thread(() -> {
                try {
                    s.start(START);
                } catch (Exception e) {
                    failures.add(e);
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }

    private SiteServer site(int id) {
        return sites.get(id - 1);
    }

    private SiteServer anyClient(int master) {
        return sites.stream().filter(s -> s != site(master)).findFirst().orElseThrow();
    }

    private static SiteClient client(SiteServer s) {
        return new SiteClient(s);
    }

    private void put(int id, String key, String value) throws Exception {
        HttpResponse<String> r = client(site(id)).put("orders", key, value);
        if (r.statusCode() != 200) {
            throw new IllegalStateException("PUT " + key + " on site " + id + " answered " + r.statusCode() + " "
                    + r.body());
        }
    }

    /** Waits for one master (not {@code not}) that every running site follows; returns its id. */
    private int awaitMaster(String what, int not) throws Exception {
        int[] found = {-1};
        boolean ok = await(what, () -> {
            List<JsonObject> statuses = new ArrayList<>();
            for (int id = 1; id <= sites.size(); id++) {
                if (id != not) {
                    statuses.add(client(site(id)).status());
                }
            }
            List<Integer> masters = statuses.stream().filter(s -> s.getString("role").equals("MASTER"))
                    .map(s -> s.getInt("siteId")).toList();
            if (masters.size() != 1) {
                return false;
            }
            found[0] = masters.get(0);
            return statuses.stream().allMatch(s -> s.getInt("master") == found[0]
                    && (s.getInt("siteId") == found[0] || s.getBoolean("startupDone")));
        });
        if (!ok) {
            throw new IllegalStateException("no master: " + what);
        }
        return found[0];
    }

    private boolean awaitOrders(List<SiteServer> servers, int count) throws Exception {
        return await(servers.stream().map(SiteServer::describe).collect(Collectors.joining(", "))
                + " hold order-1.." + count, () -> {
            for (SiteServer s : servers) {
                for (int i = 1; i <= count; i++) {
                    if (!("item " + i).equals(client(s).get("orders", "order-" + i))) {
                        return false;
                    }
                }
            }
            return true;
        });
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private boolean await(String what, Check check) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (check.holds()) {
                    return true;
                }
            } catch (Exception e) {
                last = e; // a server still starting, or between masters
            }
            Thread.sleep(100);
        }
        out.println("FAILED: " + what + (last == null ? "" : " (last error: " + last.getMessage() + ")"));
        return false;
    }

    private void shutdown() {
        // servers first: a server whose broker is gone waits long at shutdown
        for (SiteServer s : sites) {
            try {
                s.stop();
            } catch (Exception e) {
                out.println("stopping " + s.describe() + " failed: " + e.getMessage());
            }
        }
        sites.clear();
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }
}
