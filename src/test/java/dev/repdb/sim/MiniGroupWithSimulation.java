package dev.repdb.sim;

import dev.repdb.Durability;
import dev.repdb.EnvironmentConfig;
import dev.repdb.minigroup.InProcessGroup;
import dev.repdb.minigroup.MiniGroup;
import dev.repdb.minigroup.RepdbTestBase;
import dev.repdb.rep.InvalidMessageException;
import dev.repdb.rep.Scheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The simulation binding of {@link MiniGroup}: every site on a {@link SimDisk}, messages on a {@link SimNetwork}
 * (small random delays, so some reorder; no loss unless a fault hook says so), all timers on one {@link SimClock}
 * that {@link #await} runs in the test's thread. Deterministic for a seed: each group prints its seed, and
 * {@code -Drepdb.minigroup.seed=<seed>} replays it. A kill is a process crash (what was written stays).
 *
 * <p>Waits are bounded by {@value #VIRTUAL_BOUND_SECONDS} s of virtual time as well as by the test's timeout.
 * Nothing may block the test thread: commit with {@link #commitAsync} or {@link #commit}, elect with
 * {@code electAsync}, never {@code commit()} or {@code elect()} (no other thread would run the clock).
 */
public final class MiniGroupWithSimulation extends InProcessGroup {
    /** How a suite is bound to this harness: {@code class XTestsWithSimulation extends XTests<...> implements
     * FactoryGet {}}. */
    public interface FactoryGet extends MiniGroup.Factory.Get<MiniGroupWithSimulation> {
        @Override
        default MiniGroup.Factory<MiniGroupWithSimulation> groupFactory() {
            return MiniGroupWithSimulation::new;
        }
    }

    static final long VIRTUAL_BOUND_SECONDS = 120;
    private static final long SECOND = 1_000_000_000L;

    private final long seed;
    private final Random random;
    private final SimClock clock = new SimClock();
    private final SimNetwork network;
    private final String memPrefix;

    public MiniGroupWithSimulation(Path dir, int n, Consumer<EnvironmentConfig.Builder> config) throws Exception {
        super(dir, n, config);
        Long fixed = Long.getLong("repdb.minigroup.seed");
        this.seed = fixed != null ? fixed : new Random().nextLong();
        System.out.println(getClass().getSimpleName() + " of " + n + ": seed " + seed
                + " (replay with -Drepdb.minigroup.seed=" + seed + ")");
        this.random = new Random(seed);
        this.memPrefix = "repdbmini" + Long.toHexString(seed) + "x" + System.nanoTime();
        Files.createDirectories(dir);
        this.network = new SimNetwork(clock, random, n, new SimNetwork.Receiver() {
            @Override
            public void deliver(SimNetwork.Envelope e) {
                Site target = siteObject(e.to());
                try {
                    MiniGroupWithSimulation.this.deliver(target, e.control(), e.rec(), e.from());
                } catch (InvalidMessageException ex) {
                    throw new AssertionError("site " + e.to() + " rejected a message from site " + e.from()
                            + " that the simulated network did not corrupt (seed " + seed + ")", ex);
                }
            }

            @Override
            public void sent(int from, byte[] control, byte[] rec) {
            }

            @Override
            public void dropped(SimNetwork.Envelope e, String why) {
            }
        });
        network.faults = faults;
        // in order per sender and target, as JMS keeps them; -Drepdb.minigroup.reorder=true reorders within pairs too
        network.fifo = !Boolean.getBoolean("repdb.minigroup.reorder");
        for (Site s : siteObjects()) {
            org.h2.store.fs.FileUtils.createDirectories("memFS:" + memPrefix + "/site" + s.id);
            s.binding = new SimSite(s.id, s.home, new SimDisk(memPrefix + "/site" + s.id), Durability.SYNC);
        }
    }

    public long seed() {
        return seed;
    }

    /** Virtual nanoseconds since the group was created. */
    public long now() {
        return clock.now();
    }

    private static SimSite sim(Site s) {
        return (SimSite) s.binding;
    }

    @Override
    protected void configure(Site site, EnvironmentConfig.Builder builder) {
        builder.scheduler(clock.forSite(site.id)).storage(sim(site).disk);
    }

    @Override
    protected void connect(Site site) {
        SimSite s = sim(site);
        s.env = site.env();
        s.transport = network.transportFor(site.id);
        site.env().replication().setTransport(site.id, s.transport);
    }

    @Override
    protected void disconnect(Site site) {
        SimSite s = sim(site);
        s.transport.alive = false;
        s.env = null;
        // the process's timers die with it (after a clean stop too: they belong to a closed environment)
        clock.killProcess(site.id);
    }

    @Override
    protected Scheduler reactionsScheduler(Site site) {
        return clock.forSite(site.id);
    }

    @Override
    protected void crashing(Site site) {
        sim(site).disk.kill();
    }

    @Override
    protected void recovering(Site site) {
        sim(site).disk.restart(false, random);
    }

    @Override
    public void startSite(int id) throws Exception {
        sim(siteObject(id)).disk.restart(false, random); // after a crash or a stop alike
        super.startSite(id);
    }

    @Override
    public void await(String what, BooleanSupplier condition) {
        long virtualDeadline = clock.now() + VIRTUAL_BOUND_SECONDS * SECOND;
        long wallDeadline = RepdbTestBase.awaitDeadlineNanos();
        long instants = 0;
        // the condition is checked between virtual instants: every event of one instant runs before it is asked
        while (!condition.getAsBoolean()) {
            long next = clock.nextTime();
            if (next == Long.MAX_VALUE) {
                throw new AssertionError("nothing is left to happen, waiting for: " + what + "\n" + describe());
            }
            if (next > virtualDeadline) {
                throw new AssertionError("not within " + VIRTUAL_BOUND_SECONDS + " s of virtual time: " + what
                        + "\n" + describe());
            }
            clock.runUntil(next);
            if ((++instants & 255) == 0) {
                RepdbTestBase.checkBackgroundFailures();
                if (Thread.interrupted() || System.nanoTime() - wallDeadline > 0) {
                    throw new AssertionError("timed out (wall clock) waiting for: " + what + "\n" + describe());
                }
            }
        }
    }

    /** Runs the clock for {@code nanos} of virtual time (to let timers fire when no condition says when). */
    public void runFor(long nanos) {
        clock.runUntil(clock.now() + nanos);
    }

    @Override
    public String describe() {
        return super.describe() + "\n  seed " + seed + ", virtual time " + clock.now() / 1_000_000 + " ms";
    }

    @Override
    protected void closeNetwork() {
        org.h2.store.fs.FileUtils.deleteRecursive("memFS:" + memPrefix, false);
    }
}
