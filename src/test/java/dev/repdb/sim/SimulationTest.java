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
    private static final Logger REPDB_LOGGER = Logger.getLogger("dev.repdb");

    @Test
    void seeds() throws Exception {
        long seeds = Long.getLong("repdb.sim.seeds", 200);
        long first = Long.getLong("repdb.sim.seed", 20240601L);
        long steps = Long.getLong("repdb.sim.steps", 10000);
        boolean verbose = Boolean.getBoolean("repdb.sim.verbose");
        Level level = REPDB_LOGGER.getLevel();
        REPDB_LOGGER.setLevel(Level.OFF);
        long events = 0;
        long crashes = 0;
        long partitions = 0;
        long elections = 0;
        long violations = 0;
        long livenessFailures = 0;
        Simulation.Result firstFailure = null;
        java.util.Map<String, Long> protocol = new java.util.TreeMap<>();
        long startedAt = System.nanoTime();
        Path base = Files.createTempDirectory("repdb-sim");
        try {
            for (long seed = first; seed < first + seeds; seed++) {
                Simulation simulation = new Simulation(seed, steps, base.resolve("seed" + seed));
                Simulation.Result r = simulation.run();
                events += r.events();
                crashes += r.crashes();
                partitions += r.partitions();
                elections += r.elections();
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
        System.out.printf("sim: %d seeds in %.1f s (%.0f ms per seed), liveness failures=%d%n", seeds, seconds,
                seconds * 1000 / Math.max(1, seeds), livenessFailures);
        System.out.println("sim: protocol paths taken " + protocol);
        System.out.println("SIM seeds=" + seeds + " events=" + events + " crashes=" + crashes + " partitions="
                + partitions + " elections=" + elections + " violations=" + violations);
        if (firstFailure != null) {
            fail("seed " + firstFailure.seed() + " failed (replay: -Drepdb.sim.seed=" + firstFailure.seed()
                    + " -Drepdb.sim.seeds=1): "
                    + (firstFailure.violation() != null ? firstFailure.violation() : firstFailure.livenessFailure())
                    + "\n--- last events ---\n" + firstFailure.trace());
        }
    }
}
