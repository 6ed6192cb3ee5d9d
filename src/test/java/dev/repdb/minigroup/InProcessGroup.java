package dev.repdb.minigroup;

import dev.repdb.CommitToken;
import dev.repdb.Database;
import dev.repdb.Environment;
import dev.repdb.EnvironmentConfig;
import dev.repdb.TestAccess;
import dev.repdb.Transaction;
import dev.repdb.log.Lsn;
import dev.repdb.rep.Reactions;
import dev.repdb.rep.RepResult;
import dev.repdb.rep.RepRole;
import dev.repdb.rep.RepStats;
import dev.repdb.rep.RepStatus;
import dev.repdb.rep.Replication;
import dev.repdb.rep.Scheduler;
import dev.repdb.rep.Transport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A {@link MiniGroup} whose sites are {@link Environment}s in this JVM: tests reach each site's environment and
 * replication (the public API) and every {@link RepResult} its {@code processMessage} returned. The binding
 * supplies the network ({@link #connect}, {@link #disconnect}) and applies {@link #faults} to it.
 *
 * <p>Starting: {@link #start()} (clients with {@link Reactions}, so they elect), {@link #startClients()} (clients,
 * elections left to the test), {@link #startWithMaster(int)} (an appointed master), {@link #openAll()} (open
 * only). Writes go through {@link #commitAsync} and a wait, never a blocking {@code commit()}: in the simulation
 * the test thread is the only one, and a blocking call would stop the clock.
 */
public abstract class InProcessGroup extends MiniGroup {

    /**
     * Defaults for group tests: short timers, so that groups settle in milliseconds; a test's config goes after.
     * {@code -Drepdb.minigroup.secrets=true} runs every suite with authenticated messages (one group secret).
     */
    public static EnvironmentConfig.Builder defaults(int n) {
        EnvironmentConfig.Builder b = EnvironmentConfig.builder().nsites(n).allowAppointedMaster(true)
                .ackTimeout(Duration.ofSeconds(2)).requestBackoff(Duration.ofMillis(10), Duration.ofMillis(80))
                .heartbeatInterval(Duration.ofMillis(50)).electionTimeouts(Duration.ofMillis(300),
                        Duration.ofMillis(300)).masterTimeout(Duration.ofMillis(300));
        if (Boolean.getBoolean("repdb.minigroup.secrets")) {
            b.groupSecrets("a MiniGroup's group secret".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        return b;
    }

    /** One site: its home, its environment while it is up, and every result its processMessage returned. */
    protected static final class Site {
        public final int id;
        public final Path home;
        volatile Environment env;
        volatile Reactions reactions;
        final List<RepResult> results = Collections.synchronizedList(new ArrayList<>());
        /** Binding-specific state (the simulation's disk, the JMS transport and receiver). */
        public Object binding;

        Site(int id, Path home) {
            this.id = id;
            this.home = home;
        }

        public Environment env() {
            return env;
        }
    }

    protected final Path dir;
    protected final Faults faults = new Faults();
    private final Consumer<EnvironmentConfig.Builder> config;
    private final List<Site> sites = new ArrayList<>();
    private boolean reactions;

    protected InProcessGroup(Path dir, int n, Consumer<EnvironmentConfig.Builder> config) {
        super(n);
        this.dir = dir;
        this.config = config;
        for (int id = 1; id <= n; id++) {
            sites.add(new Site(id, dir.resolve("site" + id)));
        }
    }

    // ------------------------------------------------------------------ what a binding supplies

    /** The binding's additions to a site's configuration (scheduler, storage, group name), before the test's. */
    protected abstract void configure(Site site, EnvironmentConfig.Builder builder);

    /** Gives the freshly opened site its transport and starts delivering its messages ({@link #deliver}). */
    protected abstract void connect(Site site) throws Exception;

    /** Waits until what {@link #connect} started is ready (several sites connect at once: see {@link #openAll}). */
    protected void awaitConnected(Site site) throws Exception {
    }

    /** Whether {@link #close()} may stop the sites on threads of their own, at the same time. */
    protected boolean closeInParallel() {
        return false;
    }

    /** Stops the site's sending and receiving (before its environment is closed or crashed). */
    protected abstract void disconnect(Site site) throws Exception;

    /** The scheduler the site's {@link Reactions} run on. */
    protected abstract Scheduler reactionsScheduler(Site site);

    /** A crash is about to happen: the binding's storage loses what the crash loses. */
    protected void crashing(Site site) {
    }

    /** The site is about to be opened again after a crash. */
    protected void recovering(Site site) {
    }

    /** For the binding: hands one message to {@code target}; null if the site is down. */
    protected final RepResult deliver(Site target, byte[] control, byte[] rec, int from) {
        Environment env = target.env;
        if (env == null) {
            return null;
        }
        RepResult result = env.replication().processMessage(control, rec, from);
        target.results.add(result);
        Reactions r = target.reactions;
        if (r != null) {
            r.onResult(result);
        }
        return result;
    }

    protected final Site siteObject(int id) {
        checkId(id);
        return sites.get(id - 1);
    }

    protected final List<Site> siteObjects() {
        return sites;
    }

    // ------------------------------------------------------------------ the sites' API

    /** Site {@code id}'s environment (it must be up). */
    public Environment env(int id) {
        Environment env = siteObject(id).env;
        if (env == null) {
            throw new IllegalStateException("site " + id + " is down");
        }
        return env;
    }

    public Replication rep(int id) {
        return env(id).replication();
    }

    /** Every result site {@code id}'s processMessage returned, in order (across restarts). */
    public List<RepResult> results(int id) {
        List<RepResult> all = siteObject(id).results;
        synchronized (all) {
            return List.copyOf(all);
        }
    }

    public boolean saw(int id, RepStatus status) {
        return anyResult(id, r -> r.status() == status);
    }

    public boolean sawStartupDone(int id) {
        return anyResult(id, RepResult::startupDone);
    }

    /** Whether any result of site {@code id} so far matches (without copying them: waits ask this often). */
    public boolean anyResult(int id, Predicate<RepResult> which) {
        List<RepResult> all = siteObject(id).results;
        synchronized (all) {
            for (RepResult r : all) {
                if (which.test(r)) {
                    return true;
                }
            }
            return false;
        }
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] cdata(int id) {
        return bytes("site" + id);
    }

    // ------------------------------------------------------------------ lifecycle

    private void openAndConnect(int id) throws Exception {
        Site s = siteObject(id);
        if (s.env != null) {
            throw new IllegalStateException("site " + id + " is already up");
        }
        EnvironmentConfig.Builder builder = defaults(size());
        configure(s, builder);
        config.accept(builder);
        s.env = Environment.open(s.home, builder.build());
        connect(s);
    }

    /** Opens site {@code id} and connects it, without starting replication. */
    public void openSite(int id) throws Exception {
        openAndConnect(id);
        awaitConnected(siteObject(id));
    }

    /** Opens every site (see {@link #openSite}); the sites connect at the same time. */
    public void openAll() throws Exception {
        for (int id : ids()) {
            openAndConnect(id);
        }
        for (int id : ids()) {
            awaitConnected(siteObject(id));
        }
    }

    /** Opens every site and starts it as a client; elections are the test's to call. */
    public void startClients() throws Exception {
        openAll();
        for (int id : ids()) {
            rep(id).start(RepRole.CLIENT, cdata(id));
        }
    }

    /** Opens every site, appoints {@code master} and waits until every client has finished startup. */
    public void startWithMaster(int master) throws Exception {
        openAll();
        for (int id : ids()) {
            if (id != master) {
                rep(id).start(RepRole.CLIENT, cdata(id));
            }
        }
        rep(master).start(RepRole.MASTER, cdata(master));
        await("every client finishes startup", () -> ids().stream().filter(id -> id != master)
                .allMatch(this::sawStartupDone));
    }

    @Override
    public void start() throws Exception {
        reactions = true;
        openAll();
        for (int id : ids()) {
            startReplication(siteObject(id));
        }
    }

    private void startReplication(Site s) {
        s.env.replication().start(RepRole.CLIENT, cdata(s.id));
        if (reactions) {
            Reactions r = new Reactions(s.env.replication(), reactionsScheduler(s),
                    Reactions.Options.defaults(s.env.replication().config().electionTimeout()), cdata(s.id));
            s.reactions = r;
            r.start();
        }
    }

    /** Opens site {@code id} and starts it as a client (with reactions if the group was {@link #start()}ed). */
    @Override
    public void startSite(int id) throws Exception {
        openSite(id);
        startReplication(siteObject(id));
    }

    @Override
    public void stopSite(int id) throws Exception {
        Site s = siteObject(id);
        Environment env = takeDown(s);
        env.close();
    }

    @Override
    public void killSite(int id) throws Exception {
        Site s = siteObject(id);
        crashing(s);
        Environment env = takeDown(s);
        TestAccess.crash(env);
    }

    /** Ends the site's reactions and network; the caller closes or crashes the returned environment. */
    private Environment takeDown(Site s) throws Exception {
        Environment env = s.env;
        if (env == null) {
            throw new IllegalStateException("site " + s.id + " is already down");
        }
        Reactions r = s.reactions;
        s.reactions = null;
        if (r != null) {
            r.close();
        }
        disconnect(s);
        s.env = null;
        return env;
    }

    @Override
    public void restartSite(int id) throws Exception {
        if (isUp(id)) {
            killSite(id);
        }
        recovering(siteObject(id));
        startSite(id);
    }

    @Override
    public boolean isUp(int id) {
        return siteObject(id).env != null;
    }

    // ------------------------------------------------------------------ state

    @Override
    public RepRole role(int id) {
        Environment env = siteObject(id).env;
        return env == null ? null : env.replication().role();
    }

    @Override
    public int masterKnownBy(int id) {
        Environment env = siteObject(id).env;
        return env == null ? Transport.EID_INVALID : env.replication().masterId();
    }

    @Override
    public boolean converged() {
        List<Integer> masters = masters();
        if (masters.size() != 1) {
            return false;
        }
        int master = masters.get(0);
        Replication m = rep(master);
        Lsn end = env(master).engine().lastLsn();
        for (int id : ids()) {
            if (id == master || !isUp(id)) {
                continue;
            }
            RepStats st = rep(id).stats();
            if (st.role() != RepRole.CLIENT || st.masterId() != master || st.generation() != m.generation()
                    || !st.startupDone() || !st.appliedLsn().equals(end)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public List<Integer> masters() {
        return ids().stream().filter(id -> role(id) == RepRole.MASTER).toList();
    }

    // ------------------------------------------------------------------ data

    /** Starts a commit of {@code key=value} into {@code db} on site {@code id} (not waited for). */
    public CompletableFuture<CommitToken> commitAsync(int id, String db, String key, byte[] value) {
        Environment env = env(id);
        Database database = env.openDatabase(db);
        Transaction txn = env.beginTransaction();
        database.put(txn, bytes(key), value);
        return txn.commitAsync().toCompletableFuture();
    }

    /** Commits {@code key=value} into {@link #DB} on site {@code id} and waits for it; throws what it threw. */
    public CommitToken commit(int id, String key, String value) {
        return commit(id, key, bytes(value));
    }

    public CommitToken commit(int id, String key, byte[] value) {
        CompletableFuture<CommitToken> done = commitAsync(id, DB, key, value);
        await("the commit of " + key + " on site " + id, done::isDone);
        return done.join();
    }

    @Override
    public void write(int id, String key, String value) {
        commit(id, key, value);
    }

    /** {@code key}'s value in {@link #DB} on site {@code id} as bytes, or null. */
    public byte[] get(int id, String key) {
        return env(id).openDatabase(DB).get(bytes(key));
    }

    @Override
    public String read(int id, String key) {
        byte[] v = get(id, key);
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ faults

    @Override
    public void drop(Predicate<Envelope> which) {
        faults.drop(which);
    }

    @Override
    public void delay(Predicate<Envelope> which, Duration delay) {
        faults.delay(which, delay);
    }

    @Override
    public void partition(Set<Integer> side) {
        faults.partition(side);
    }

    @Override
    public void heal() {
        faults.heal();
    }

    // ------------------------------------------------------------------ the rest

    @Override
    public String describe() {
        StringBuilder b = new StringBuilder(getClass().getSimpleName()).append(" of ").append(size());
        for (Site s : sites) {
            b.append("\n  site ").append(s.id).append(": ");
            Environment env = s.env;
            if (env == null) {
                b.append("down");
                continue;
            }
            RepStats st = env.replication().stats();
            b.append(st.role()).append(" gen ").append(st.generation()).append(" egen ")
                    .append(st.electionGeneration()).append(" master ").append(st.masterId()).append(" sync ")
                    .append(st.syncState()).append(" startupDone ").append(st.startupDone()).append(" applied ")
                    .append(st.appliedLsn()).append(" masterEnd ").append(st.masterEndLsn());
            java.util.Map<String, Long> dropped = new java.util.TreeMap<>(st.counters());
            dropped.keySet().retainAll(java.util.Set.of("msgs_invalid", "msgs_unauthenticated", "msgs_replayed",
                    "msgs_not_fresh", "msgs_sender_limit", "msgs_badgen", "elections", "elections_won", "elections_failed"));
            b.append(" ").append(dropped);
        }
        return b.toString();
    }

    @Override
    public void close() throws Exception {
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (Site s : sites) {
            if (s.env == null) {
                continue;
            }
            CompletableFuture<Void> stop = new CompletableFuture<>();
            Runnable task = () -> {
                try {
                    stopSite(s.id);
                    stop.complete(null);
                } catch (Throwable e) {
                    stop.completeExceptionally(e);
                }
            };
            if (closeInParallel()) {
                Thread t = new Thread(task, "minigroup-stop-" + s.id);
                t.setDaemon(true);
                t.start();
            } else {
                task.run();
            }
            stops.add(stop);
        }
        Throwable first = null;
        for (CompletableFuture<Void> stop : stops) {
            try {
                stop.join();
            } catch (CompletionException e) {
                first = first == null ? e.getCause() : first;
            }
        }
        closeNetwork();
        if (first != null) {
            throw new IllegalStateException("closing the group failed", first);
        }
    }

    /** Releases what the binding holds for the whole group (after every site is down). */
    protected void closeNetwork() throws Exception {
    }
}
