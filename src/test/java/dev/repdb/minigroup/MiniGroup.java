package dev.repdb.minigroup;

import dev.repdb.EnvironmentConfig;
import dev.repdb.rep.RepRole;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A replication group of {@link #size()} sites (ids 1..n) for tests, whatever carries its messages (modelled on
 * Ratis's {@code MiniRaftCluster}): start, stop, kill and restart sites; find the master; wait for a master or for
 * convergence; write through the master and read from any site; and fault hooks (drop, delay, partition, heal)
 * that each binding implements for its own network.
 *
 * <p>Bindings: {@code dev.repdb.sim.MiniGroupWithSimulation} (one virtual clock, seeded, deterministic),
 * {@code dev.repdb.jms.MiniGroupWithJms} (a real Artemis broker and the real {@code JmsTransport}), both through
 * {@link InProcessGroup}; and {@code dev.repdb.it.MiniGroupWithServers} (sites in Open Liberty / WildFly, driven
 * over HTTP; its fault hooks throw {@link UnsupportedOperationException}).
 *
 * <p>Behaviour suites are abstract classes that implement {@link Factory.Get} and call
 * {@link Factory.Get#runWithNewGroup}; a binding is an empty class that extends the suite and implements the
 * binding's {@code FactoryGet}. Every wait is on a condition ({@link #await}), bounded by the test's timeout
 * ({@link RepdbTestBase}); nothing sleeps for synchronization. Not thread-safe: one test thread drives a group.
 */
public abstract class MiniGroup implements AutoCloseable {

    /** Creates groups of one binding. */
    @FunctionalInterface
    public interface Factory<G extends MiniGroup> {
        /** A group of {@code n} sites under {@code dir}, each configured by {@code config} after the defaults. */
        G newGroup(Path dir, int n, Consumer<EnvironmentConfig.Builder> config) throws Exception;

        /** What a suite implements (abstractly) and a binding's {@code FactoryGet} supplies. */
        interface Get<G extends MiniGroup> {
            Factory<G> groupFactory();

            /** The test's own directory ({@link RepdbTestBase#testDir()}). */
            Path testDir();

            /** Creates a group of {@code n} sites with the default configuration, runs {@code test}, closes it. */
            default void runWithNewGroup(int n, GroupTest<? super G> test) throws Exception {
                runWithNewGroup(n, b -> { }, test);
            }

            /** The same with {@code config} applied to every site's configuration. */
            default void runWithNewGroup(int n, Consumer<EnvironmentConfig.Builder> config,
                                         GroupTest<? super G> test) throws Exception {
                try (G group = groupFactory().newGroup(testDir().resolve("group"), n, config)) {
                    test.run(group);
                }
            }
        }
    }

    /** The body of a group test. */
    @FunctionalInterface
    public interface GroupTest<G> {
        void run(G group) throws Exception;
    }

    /** The database the data helpers ({@link #write}, {@link #read}) use. */
    public static final String DB = "d";

    private final int size;

    protected MiniGroup(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("a group needs at least one site: " + size);
        }
        this.size = size;
    }

    public final int size() {
        return size;
    }

    /** Site ids, 1..n. */
    public final List<Integer> ids() {
        return IntStream.rangeClosed(1, size).boxed().toList();
    }

    protected final void checkId(int id) {
        if (id < 1 || id > size) {
            throw new IllegalArgumentException("no site " + id + " in a group of " + size);
        }
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Starts every site as a client with the reference pages' reactions on (elections, DUPMASTER...), as an
     * application would; call {@link #awaitMaster()} to wait for the first master.
     */
    public abstract void start() throws Exception;

    /** Starts site {@code id} (down) as {@link #start()} would. */
    public abstract void startSite(int id) throws Exception;

    /** Stops site {@code id} in order (its final checkpoint runs). */
    public abstract void stopSite(int id) throws Exception;

    /** Kills site {@code id}: a process crash (what it wrote stays; its timers and unsent messages die). */
    public abstract void killSite(int id) throws Exception;

    /** Kills site {@code id} if it is up, then starts it again. */
    public void restartSite(int id) throws Exception {
        if (isUp(id)) {
            killSite(id);
        }
        startSite(id);
    }

    public abstract boolean isUp(int id);

    // ------------------------------------------------------------------ state

    /** Site {@code id}'s role, or null while it is down. */
    public abstract RepRole role(int id) throws Exception;

    /** The master site {@code id} knows of (itself if master), or {@link dev.repdb.rep.Transport#EID_INVALID}. */
    public abstract int masterKnownBy(int id) throws Exception;

    /**
     * Whether the group has converged: one master, and every other site that is up follows it in its generation,
     * has finished startup and has applied the master's whole log.
     */
    public abstract boolean converged() throws Exception;

    /** The up sites that say they are master. */
    public List<Integer> masters() throws Exception {
        List<Integer> masters = new java.util.ArrayList<>();
        for (int id : ids()) {
            if (isUp(id) && role(id) == RepRole.MASTER) {
                masters.add(id);
            }
        }
        return masters;
    }

    /** The master, if exactly one up site is master. */
    public OptionalInt master() throws Exception {
        List<Integer> masters = masters();
        return masters.size() == 1 ? OptionalInt.of(masters.get(0)) : OptionalInt.empty();
    }

    /** Waits until exactly one up site is master; returns it. */
    public int awaitMaster() throws Exception {
        return awaitMaster("a master", id -> true);
    }

    /** Waits until exactly one up site is master and {@code acceptable} takes it; returns it. */
    public int awaitMaster(String what, IntPredicate acceptable) throws Exception {
        int[] found = {0};
        await(what, () -> {
            OptionalInt m = unchecked(this::master);
            if (m.isPresent() && acceptable.test(m.getAsInt())) {
                found[0] = m.getAsInt();
                return true;
            }
            return false;
        });
        return found[0];
    }

    /** Waits until the group {@linkplain #converged() has converged}; returns the master. */
    public int awaitConverged() throws Exception {
        await("the group converges", () -> unchecked(this::converged));
        return master().orElseThrow();
    }

    // ------------------------------------------------------------------ data

    /** Writes {@code key=value} into {@link #DB} through the current master, waiting for the commit to return. */
    public void write(String key, String value) throws Exception {
        int master = master().orElseThrow(() -> new IllegalStateException("no single master:\n" + describe()));
        write(master, key, value);
    }

    /** Writes {@code key=value} into {@link #DB} on site {@code id} (a master), waiting for the commit to return. */
    public abstract void write(int id, String key, String value) throws Exception;

    /** {@code key}'s value in {@link #DB} as site {@code id} has it now, or null. */
    public abstract String read(int id, String key) throws Exception;

    /** Waits until site {@code id} has {@code key=value}. */
    public void awaitValue(int id, String key, String value) throws Exception {
        await("site " + id + " has " + key + "=" + value, () -> value.equals(unchecked(() -> read(id, key))));
    }

    // ------------------------------------------------------------------ faults

    /** Drops every message that {@code which} accepts, until {@link #heal()}. */
    public abstract void drop(Predicate<Envelope> which);

    /** Delays every message that {@code which} accepts by {@code delay}, until {@link #heal()}. */
    public abstract void delay(Predicate<Envelope> which, Duration delay);

    /** Cuts {@code side} off from the other sites (both ways), until {@link #heal()}; replaces an earlier cut. */
    public abstract void partition(Set<Integer> side);

    /** {@link #partition(Set)} with the sites given as arguments. */
    public final void partition(int... side) {
        partition(Arrays.stream(side).boxed().collect(Collectors.toSet()));
    }

    /** Ends the partition and every drop and delay rule. */
    public abstract void heal();

    /** Whether the fault hooks work here (the application-server binding has none). */
    public boolean supportsFaults() {
        return true;
    }

    // ------------------------------------------------------------------ waiting

    /**
     * Waits until {@code condition} holds; fails naming {@code what} (and {@link #describe()}) at the test's
     * deadline, or at once when a background failure was reported. The simulation runs its virtual clock meanwhile.
     */
    public abstract void await(String what, BooleanSupplier condition);

    /** The real-time form of {@link #await}: polls {@code condition} every millisecond or so. */
    protected final void pollUntil(String what, BooleanSupplier condition) {
        long deadline = RepdbTestBase.awaitDeadlineNanos();
        while (!condition.getAsBoolean()) {
            RepdbTestBase.checkBackgroundFailures();
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for: " + what + "\n" + describe());
            }
            if (Thread.interrupted()) {
                throw new AssertionError("interrupted (test timeout?) waiting for: " + what + "\n" + describe());
            }
            LockSupport.parkNanos(1_000_000); // poll interval, not synchronization: the condition decides
        }
    }

    /** Each site's state in one line, for failure messages. */
    public abstract String describe();

    @Override
    public abstract void close() throws Exception;

    /** A call that may throw a checked exception, in a condition. */
    @FunctionalInterface
    protected interface Query<T> {
        T get() throws Exception;
    }

    protected static <T> T unchecked(Query<T> query) {
        try {
            return query.get();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
