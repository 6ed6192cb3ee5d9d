package dev.repdb.fuzz;

import dev.repdb.AckPolicy;
import dev.repdb.CommitToken;
import dev.repdb.Database;
import dev.repdb.Environment;
import dev.repdb.EnvironmentConfig;
import dev.repdb.TestAccess;
import dev.repdb.Transaction;
import dev.repdb.rep.InvalidMessageException;
import dev.repdb.rep.wire.MessageType;
import dev.repdb.rep.RepResult;
import dev.repdb.rep.RepRole;
import dev.repdb.rep.Transport;
import dev.repdb.sim.SimClock;
import dev.repdb.sim.SimDisk;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A replication group of real environments on one virtual clock ({@link SimClock}) and simulated disks
 * ({@link SimDisk}), joined by an in-memory network that this class drives from one thread. Everything is
 * deterministic: the same calls build the same logs at the same LSNs. Only the homes' own files (format marker and
 * lock) are on the real file system; they are reused from one build to the next.
 */
final class SimGroup implements AutoCloseable {

    /** One message on the wire, as the transport saw it. */
    record Envelope(int from, int to, byte[] control, byte[] rec, int flags) {
        MessageType type() {
            return MessageType.of(((control[16] & 0xff) << 8) | (control[17] & 0xff));
        }
    }

    /** One site: its environment on its own simulated disk. */
    final class Site {
        final int id;
        final Path home;
        final SimDisk disk;
        final String storePrefix;
        Environment env;

        Site(int id, Path home) {
            this.id = id;
            this.home = home;
            this.storePrefix = "repdbfuzz" + BUILDS.incrementAndGet() + "s" + id;
            this.disk = new SimDisk(storePrefix);
        }

        dev.repdb.rep.Replication rep() {
            return env.replication();
        }
    }

    private static final AtomicLong BUILDS = new AtomicLong();
    static final Duration WAIT = Duration.ofSeconds(30); // virtual time

    final SimClock clock = new SimClock();
    final List<Site> sites = new ArrayList<>();
    private final Deque<Envelope> network = new ArrayDeque<>();
    private Predicate<Envelope> drop = e -> false;
    /** Every message delivered by {@link #deliverAll()} (when recording). */
    final List<Envelope> delivered = new ArrayList<>();
    boolean recording;
    /** Messages sent while {@link #quiet} is set are counted and discarded. */
    boolean quiet;
    long quietSends;

    SimGroup(Path dir, int size, Consumer<EnvironmentConfig.Builder> tweak) {
        for (int i = 0; i < size; i++) {
            Site site = new Site(i + 1, dir.resolve("site" + (i + 1)));
            sites.add(site);
        }
        for (Site site : sites) {
            EnvironmentConfig.Builder builder = EnvironmentConfig.builder().nsites(size).allowAppointedMaster(true)
                    .ackPolicy(AckPolicy.NONE).ackTimeout(Duration.ofSeconds(2))
                    .requestBackoff(Duration.ofMillis(10), Duration.ofMillis(80))
                    .heartbeatInterval(Duration.ofMillis(50))
                    .segmentSize(64 << 10).maxRecordSize(16 << 10)
                    .scheduler(clock.forSite(site.id)).storage(site.disk);
            tweak.accept(builder);
            org.h2.store.fs.FileUtils.createDirectories("memFS:" + site.storePrefix);
            site.env = Environment.open(site.home, builder.build());
            int id = site.id;
            site.env.replication().setTransport(id, (envId, control, rec, lsn, flags) -> enqueue(id, envId, control,
                    rec, flags));
        }
    }

    Site site(int id) {
        return sites.get(id - 1);
    }

    void dropWhere(Predicate<Envelope> filter) {
        this.drop = filter;
    }

    private void enqueue(int from, int to, byte[] control, byte[] rec, int flags) {
        if (quiet) {
            quietSends++;
            return;
        }
        if (to == Transport.EID_BROADCAST) {
            for (Site s : sites) {
                if (s.id != from) {
                    network.add(new Envelope(from, s.id, control.clone(), rec.clone(), flags));
                }
            }
        } else if (to >= 1 && to <= sites.size()) {
            network.add(new Envelope(from, to, control.clone(), rec.clone(), flags));
        }
    }

    /** Delivers every queued message, including those produced meanwhile. */
    void deliverAll() {
        Envelope e;
        while ((e = network.poll()) != null) {
            if (drop.test(e)) {
                continue;
            }
            Site target = site(e.to());
            if (target.env == null) {
                continue;
            }
            if (recording) {
                delivered.add(e);
            }
            try {
                RepResult ignored = target.rep().processMessage(e.control(), e.rec(), e.from());
            } catch (InvalidMessageException ex) {
                throw new AssertionError("a site sent an invalid message: " + ex.getMessage(), ex);
            }
        }
    }

    /** Delivers messages and runs virtual time until {@code condition} holds. */
    void runUntil(BooleanSupplier condition, String what) {
        long deadline = clock.now() + WAIT.toNanos();
        while (true) {
            deliverAll();
            if (condition.getAsBoolean()) {
                return;
            }
            if (clock.now() > deadline) {
                throw new AssertionError("timed out (virtual time) waiting for: " + what);
            }
            clock.runUntil(clock.now() + TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /** Delivers messages and runs virtual time for {@code millis}. */
    void runFor(long millis) {
        long until = clock.now() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (clock.now() < until) {
            deliverAll();
            clock.runUntil(clock.now() + TimeUnit.MILLISECONDS.toNanos(1));
        }
        deliverAll();
    }

    /** Drops whatever is in flight. */
    void clearNetwork() {
        network.clear();
    }

    void start() {
        for (Site s : sites) {
            if (s.id != 1) {
                s.rep().start(RepRole.CLIENT, b("site" + s.id));
            }
        }
        runFor(30);
        site(1).rep().start(RepRole.MASTER, b("site1"));
        runUntil(() -> sites.stream().skip(1).allMatch(s -> s.rep().stats().startupDone()), "clients finish startup");
    }

    CommitToken commit(Site master, String key, byte[] value) {
        Database db = master.env.openDatabase("d");
        Transaction txn = master.env.beginTransaction();
        db.put(txn, b(key), value);
        CompletableFuture<CommitToken> done = txn.commitAsync().toCompletableFuture();
        runUntil(done::isDone, "commit of " + key);
        return done.join();
    }

    /** Runs until every live client has applied the master's last record. */
    void awaitCaughtUp(Site master, List<Site> clients) {
        runUntil(() -> clients.stream().allMatch(c -> c.env.engine().appliedLsn()
                .equals(master.env.engine().lastLsn()) && c.rep().stats().startupDone()), "clients catch up");
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        quiet = true;
        for (Site s : sites) {
            if (s.env != null) {
                try {
                    TestAccess.crash(s.env);
                } catch (RuntimeException e) {
                    // a failed environment may not close cleanly; its files go anyway
                }
                s.env = null;
            }
            try {
                org.h2.store.fs.FileUtils.deleteRecursive("memFS:" + s.storePrefix, false);
            } catch (RuntimeException e) {
                // best effort
            }
        }
    }
}
