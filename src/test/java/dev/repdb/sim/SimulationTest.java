package dev.repdb.sim;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The deterministic simulation (replication-stream issue, item 7): many seeds, each a whole group with faults,
 * checked after every event. Properties:
 * <ul>
 *   <li>{@code repdb.sim.seeds} (default 200): how many seeds;</li>
 *   <li>{@code repdb.sim.seed} (default 20240601): the first seed;</li>
 *   <li>{@code repdb.sim.steps} (default 10000): events with faults per seed, before the quiet period.</li>
 * </ul>
 * A failing seed replays with {@code mvn test -Dtest=SimulationTest -Drepdb.sim.seed=<seed> -Drepdb.sim.seeds=1}.
 * The run ends with one line: {@code SIM seeds=.. events=.. crashes=.. partitions=.. elections=.. violations=..}
 * (elections counts master appointments, the first one included, until elections exist).
 */
@Tag("simulation")
class SimulationTest {

    /** Held so the setting is not garbage-collected with the logger: the core's logging would drown the output. */
    static final Logger REPDB_LOGGER = Logger.getLogger("dev.repdb");

    @Test
    void seeds() throws Exception {
        runSeeds(false, 20240601L);
    }

    /**
     * Runs {@code repdb.sim.seeds} seeds from {@code repdb.sim.seed} (default {@code defaultFirst}), prints the
     * SIM line (and, with elections, the failover times), and fails on the first failing seed.
     */
    static void runSeeds(boolean electing, long defaultFirst) throws Exception {
        long seeds = Long.getLong("repdb.sim.seeds", 200);
        long first = Long.getLong("repdb.sim.seed", defaultFirst);
        long steps = Long.getLong("repdb.sim.steps", 10000);
        boolean verbose = Boolean.getBoolean("repdb.sim.verbose");
        Level level = REPDB_LOGGER.getLevel();
        if (!Boolean.getBoolean("repdb.sim.log")) {
            REPDB_LOGGER.setLevel(Level.OFF); // -Drepdb.sim.log=true keeps the sites' own logging
        }
        long events = 0;
        long crashes = 0;
        long partitions = 0;
        long elections = 0;
        long violations = 0;
        long livenessFailures = 0;
        java.util.List<Long> failovers = new java.util.ArrayList<>();
        Simulation.Result firstFailure = null;
        java.util.Map<String, Long> protocol = new java.util.TreeMap<>();
        long startedAt = System.nanoTime();
        Path base = Files.createTempDirectory("repdb-sim");
        try {
            for (long seed = first; seed < first + seeds; seed++) {
                Simulation simulation = new Simulation(seed, steps, base.resolve("seed" + seed), electing);
                Simulation.Result r = simulation.run();
                events += r.events();
                crashes += r.crashes();
                partitions += r.partitions();
                elections += r.elections();
                failovers.addAll(r.failovers());
                r.protocol().forEach((k, v) -> protocol.merge(k, v, Long::sum));
                if (r.violation() != null) {
                    violations++;
                }
                if (r.livenessFailure() != null) {
                    livenessFailures++;
                }
                if (verbose || r.failed()) {
                    System.out.println("sim seed " + seed + ": " + (r.failed() ? "FAILED" : "ok") + " " + r.summary()
                            + " crashes=" + r.crashes() + " partitions=" + r.partitions() + " elections="
                            + r.elections());
                }
                if (r.failed()) {
                    System.out.println("sim seed " + seed + " " + (r.violation() != null ? "violation: "
                            + r.violation() : "liveness failure: " + r.livenessFailure()));
                    if (firstFailure == null) {
                        firstFailure = r;
                    }
                }
            }
        } finally {
            REPDB_LOGGER.setLevel(level);
            Simulation.deleteTree(base);
        }
        double seconds = (System.nanoTime() - startedAt) / 1e9;
        System.out.printf("sim: %d seeds in %.1f s (%.0f ms per seed), liveness failures=%d%s%n", seeds, seconds,
                seconds * 1000 / Math.max(1, seeds), livenessFailures, electing ? " (elections)" : "");
        System.out.println("sim: protocol paths taken " + protocol);
        if (electing && !failovers.isEmpty()) {
            java.util.Collections.sort(failovers);
            System.out.printf("sim: failover (master lost to next master started, virtual time) n=%d median=%d ms "
                    + "p99=%d ms max=%d ms%n", failovers.size(), failovers.get(failovers.size() / 2) / 1_000_000,
                    failovers.get((int) Math.min(failovers.size() - 1, failovers.size() * 99L / 100)) / 1_000_000,
                    failovers.get(failovers.size() - 1) / 1_000_000);
        }
        System.out.println("SIM seeds=" + seeds + " events=" + events + " crashes=" + crashes + " partitions="
                + partitions + " elections=" + elections + " violations=" + violations);
        if (firstFailure != null) {
            fail("seed " + firstFailure.seed() + " failed (replay: -Drepdb.sim.seed=" + firstFailure.seed()
                    + " -Drepdb.sim.seeds=1" + (electing ? ", ElectionSimulationTest" : "") + "); violations="
                    + violations + ", liveness failures=" + livenessFailures + "\n"
                    + (firstFailure.violation() != null ? firstFailure.violation() : firstFailure.livenessFailure())
                    + "\n" + firstFailure.trace());
        }
    }
}
