package dev.repdb.it;

import dev.repdb.EnvironmentConfig;
import dev.repdb.minigroup.Envelope;
import dev.repdb.minigroup.MiniGroup;
import dev.repdb.minigroup.RepdbTestBase;
import dev.repdb.rep.RepRole;
import dev.repdb.rep.Transport;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The application-server binding of {@link MiniGroup}: each site is the thin site application in its own Open
 * Liberty or WildFly ({@link SiteServer}), all on the failsafe JVM's broker ({@link ItSession#broker()}), driven
 * as an operator would: status, PUT and GET over HTTP ({@link SiteClient}); kill is SIGKILL. The sites run the
 * EE module's reactions, so {@link #start()} is the only way to start them.
 *
 * <p>Not available here, with an {@link UnsupportedOperationException} saying so: the fault hooks (drop, delay,
 * partition, heal; the servers' messages go straight through the broker, and a broker-side filter is not built),
 * and per-test {@link EnvironmentConfig} tweaks (a server's configuration comes from its {@code repdb.*} keys:
 * {@link ItDeployments#GROUP_SETTINGS} plus the group's size and name). Suites check {@link #supportsFaults()}.
 */
public final class MiniGroupWithServers extends MiniGroup {

    /** Makes site {@code id}'s server (not started). */
    @FunctionalInterface
    public interface ServerMaker {
        /** Site {@code id}'s server with {@code settings}, connecting to {@code broker} with its login. */
        SiteServer make(int id, Map<String, String> settings, dev.repdb.jms.EmbeddedBroker broker)
                throws IOException, InterruptedException;
    }

    /** Binds a suite to Liberty servers: {@code class XTestsWithLibertyIT extends XTests<...> implements ...}. */
    public interface LibertyFactoryGet extends MiniGroup.Factory.Get<MiniGroupWithServers> {
        @Override
        default MiniGroup.Factory<MiniGroupWithServers> groupFactory() {
            return (dir, n, config) -> new MiniGroupWithServers(dir, n, (id, settings, broker) -> SiteServer.liberty(
                    Path.of(required("repdb.it.wlpHome")), Path.of(required("repdb.it.serverXml")),
                    Path.of(required("repdb.it.siteWar")), "minigroup-" + id, id, broker.port(),
                    broker.users().site(id), settings));
        }
    }

    private final Map<Integer, SiteServer> servers = new HashMap<>();
    private final dev.repdb.jms.EmbeddedBroker broker;
    private final boolean[] up;
    private final String groupName = "repdbmg" + ProcessHandle.current().pid() + "t" + System.currentTimeMillis();

    public MiniGroupWithServers(Path dir, int n, ServerMaker maker) throws Exception {
        super(n);
        this.up = new boolean[n + 1];
        // a broker of its own, secured for this group's name: the session broker's logins and address rights are
        // those of the group "repdb", and a fresh broker holds no message of an earlier test's group
        this.broker = dev.repdb.jms.EmbeddedBroker.secured(dir.resolve("broker"),
                new dev.repdb.jms.BrokerUsers(groupName, ids().stream().mapToInt(Integer::intValue).toArray()));
        Map<String, String> settings = new HashMap<>(ItDeployments.GROUP_SETTINGS);
        settings.put("repdb.nsites", String.valueOf(n));
        settings.put("repdb.group", groupName);
        for (int id : ids()) {
            servers.put(id, maker.make(id, settings, broker));
        }
    }

    static String required(String key) {
        String value = System.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + key + " is not set (run this in failsafe)");
        }
        return value;
    }

    private static Duration startTimeout() {
        return Duration.ofNanos(Math.max(RepdbTestBase.awaitDeadlineNanos() - System.nanoTime(), 1));
    }

    private SiteClient client(int id) {
        checkId(id);
        return new SiteClient(servers.get(id));
    }

    private JsonObject status(int id) throws IOException, InterruptedException {
        return client(id).status();
    }

    @Override
    public void start() throws Exception {
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (int id : ids()) { // in parallel: a server takes many seconds to start
            CompletableFuture<Void> started = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    startSite(id);
                    started.complete(null);
                } catch (Throwable e) {
                    started.completeExceptionally(e);
                }
            }, "minigroup-start-" + id);
            t.setDaemon(true);
            t.start();
            starts.add(started);
        }
        for (CompletableFuture<Void> s : starts) {
            s.join();
        }
    }

    @Override
    public void startSite(int id) throws Exception {
        checkId(id);
        servers.get(id).start(startTimeout());
        synchronized (up) {
            up[id] = true;
        }
    }

    @Override
    public void stopSite(int id) throws Exception {
        markDown(id);
        servers.get(id).stop();
    }

    @Override
    public void killSite(int id) throws Exception {
        markDown(id);
        servers.get(id).kill();
    }

    private void markDown(int id) {
        checkId(id);
        synchronized (up) {
            up[id] = false;
        }
    }

    @Override
    public boolean isUp(int id) {
        checkId(id);
        synchronized (up) {
            return up[id];
        }
    }

    @Override
    public RepRole role(int id) throws Exception {
        return isUp(id) ? RepRole.valueOf(status(id).getString("role")) : null;
    }

    @Override
    public int masterKnownBy(int id) throws Exception {
        return isUp(id) ? status(id).getInt("master") : Transport.EID_INVALID;
    }

    @Override
    public boolean converged() throws Exception {
        List<Integer> masters = masters();
        if (masters.size() != 1) {
            return false;
        }
        int master = masters.get(0);
        JsonObject m = status(master);
        for (int id : ids()) {
            if (id == master || !isUp(id)) {
                continue;
            }
            JsonObject s = status(id);
            if (!s.getString("role").equals("CLIENT") || s.getInt("master") != master
                    || s.getInt("generation") != m.getInt("generation") || !s.getBoolean("startupDone")
                    || !s.getString("appliedLsn").equals(m.getString("appliedLsn"))) {
                return false;
            }
        }
        return true;
    }

    /** PUT on site {@code id}; 409 (not master yet) and 503 (too few acknowledgements yet) are retried. */
    @Override
    public void write(int id, String key, String value) throws Exception {
        await("site " + id + " accepts PUT " + key + " (409 and 503 are retried)", () -> {
            HttpResponse<String> r = unchecked(() -> client(id).put(DB, key, value));
            if (r.statusCode() == 200 || r.statusCode() == 204) {
                return true;
            }
            if (r.statusCode() != 409 && r.statusCode() != 503) {
                throw new IllegalStateException("PUT " + key + " on site " + id + " answered " + r.statusCode()
                        + " " + r.body());
            }
            return false;
        });
    }

    @Override
    public String read(int id, String key) throws Exception {
        return client(id).get(DB, key);
    }

    @Override
    public boolean supportsFaults() {
        return false;
    }

    private static UnsupportedOperationException noFaults(String hook) {
        return new UnsupportedOperationException(hook + " is not available on application servers: their messages go"
                + " straight through the broker and no broker-side filter is built; use the simulation or JMS binding");
    }

    @Override
    public void drop(Predicate<Envelope> which) {
        throw noFaults("drop");
    }

    @Override
    public void delay(Predicate<Envelope> which, Duration delay) {
        throw noFaults("delay");
    }

    @Override
    public void partition(Set<Integer> side) {
        throw noFaults("partition");
    }

    @Override
    public void heal() {
        throw noFaults("heal");
    }

    /** Polls over HTTP; a poll interval of 200 ms spares the servers (the condition decides). */
    @Override
    public void await(String what, BooleanSupplier condition) {
        pollUntil(what, () -> {
            if (condition.getAsBoolean()) {
                return true;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(200_000_000L);
            return false;
        });
    }

    @Override
    public String describe() {
        StringBuilder b = new StringBuilder("servers of group " + groupName);
        for (int id : ids()) {
            b.append("\n  site ").append(id).append(" (").append(servers.get(id).describe()).append("): ");
            if (!isUp(id)) {
                b.append("down");
                continue;
            }
            try {
                JsonObject s = status(id);
                b.append(s.getString("role")).append(" gen ").append(s.getInt("generation")).append(" master ")
                        .append(s.getInt("master")).append(" startupDone ").append(s.getBoolean("startupDone"))
                        .append(" applied ").append(s.getString("appliedLsn"));
            } catch (Exception e) {
                b.append("status failed: ").append(e.getMessage());
            }
        }
        return b.toString();
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        for (int id : ids()) {
            try {
                if (isUp(id)) {
                    stopSite(id);
                }
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        try {
            broker.close();
        } catch (Exception e) {
            first = first == null ? e : first;
        }
        if (first != null) {
            throw first;
        }
    }
}
