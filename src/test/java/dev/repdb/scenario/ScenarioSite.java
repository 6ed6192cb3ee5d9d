package dev.repdb.scenario;

import dev.repdb.Environment;
import dev.repdb.EnvironmentConfig;
import dev.repdb.rep.Reactions;
import dev.repdb.rep.RepResult;
import dev.repdb.rep.Replication;
import dev.repdb.sim.SimClock;
import dev.repdb.sim.SimDisk;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * One site of a scenario: a real home directory (for its lock), a simulated disk for its log and store, and the
 * process currently running on them, if any. Its timers and fsyncs are events of the scenario's {@link SimClock},
 * which a crash drops.
 */
final class ScenarioSite {

    final int id;
    private final Path home;
    private final SimDisk disk;
    private final SimClock clock;
    private final Network network;
    private final Consumer<EnvironmentConfig.Builder> config;
    private Environment env;
    private int process;
    private boolean machineCrashed;
    private Reactions reactions;

    ScenarioSite(int id, Path home, String storePrefix, SimClock clock, Network network,
                 Consumer<EnvironmentConfig.Builder> config) {
        this.id = id;
        this.home = home;
        this.disk = new SimDisk(storePrefix);
        org.h2.store.fs.FileUtils.createDirectories("memFS:" + storePrefix);
        this.clock = clock;
        this.network = network;
        this.config = config;
    }

    /** Starts a process on this site's home: opens (recovers) the environment and sets its transport. */
    void open() {
        EnvironmentConfig.Builder builder = EnvironmentConfig.builder().storage(disk).scheduler(clock.forSite(id));
        config.accept(builder);
        env = Environment.open(home, builder.build());
        int mine = ++process;
        env.replication().setTransport(id, network.transportOf(id, () -> process == mine && env != null));
    }

    boolean up() {
        return env != null;
    }

    Environment env() {
        if (env == null) {
            throw new IllegalStateException("site " + id + " is down");
        }
        return env;
    }

    Replication rep() {
        return env().replication();
    }

    /** Runs {@link Reactions} for the current process (its scheduler is this process's). */
    void startReactions() {
        stopReactions();
        Replication rep = rep();
        reactions = new Reactions(rep, clock.forSite(id), Reactions.Options.defaults(rep.config().electionTimeout()),
                ("site" + id).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        reactions.start();
    }

    void stopReactions() {
        if (reactions != null) {
            reactions.close();
            reactions = null;
        }
    }

    /** Hands a result of processMessage to the reactions, if they are on. */
    void react(RepResult result) {
        if (reactions != null) {
            reactions.onResult(result);
        }
    }

    /**
     * Kills the process: its pending timers and fsyncs never run and its disk takes no more writes. A machine crash
     * also loses what was written but not fsynced (applied at {@link #restart}).
     */
    void crash(boolean machine) {
        Environment dying = env();
        reactions = null; // its timers die with the process
        disk.kill();
        clock.killProcess(id);
        env = null;
        machineCrashed = machine;
        try {
            Method abrupt = Environment.class.getDeclaredMethod("closeAbruptly");
            abrupt.setAccessible(true);
            abrupt.invoke(dying);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("closing the crashed environment failed", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new process on the disk the crash left. */
    void restart() {
        if (env != null) {
            throw new IllegalStateException("site " + id + " is up");
        }
        disk.restart(machineCrashed, null);
        open();
    }

    /** Stops the process in an orderly way (end of scenario). */
    void close() {
        stopReactions();
        if (env != null) {
            Environment e = env;
            env = null;
            e.close();
        }
    }
}
