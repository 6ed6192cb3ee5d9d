package dev.repdb.sim;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A measurement, not a test (tag {@code bench}, not in the default run): failover time in the simulation's
 * virtual time with the default timeouts, from a master's crash to the next master starting (and so accepting
 * commits, leases being off), over many seeds of 3 to 7 sites with a healthy network. Run:
 * {@code mvn test -Dtest=FailoverTimeBench -Drepdb.excludedGroups=none [-Drepdb.sim.seeds=200]}.
 */
@Tag("bench")
class FailoverTimeBench {

    @Test
    void failoverWithDefaultTimeouts() throws Exception {
        long seeds = Long.getLong("repdb.sim.seeds", 200);
        long first = Long.getLong("repdb.sim.seed", 1);
        List<Long> failovers = new ArrayList<>();
        int failed = 0;
        Level level = SimulationTest.REPDB_LOGGER.getLevel();
        SimulationTest.REPDB_LOGGER.setLevel(Level.OFF);
        Path base = Files.createTempDirectory("repdb-failover");
        try {
            for (long seed = first; seed < first + seeds; seed++) {
                Simulation.Result r = new Simulation(seed, 20_000, base.resolve("s" + seed), true, true).run();
                failovers.addAll(r.failovers());
                if (r.failed()) {
                    failed++;
                    System.out.println("failover seed " + seed + " failed: " + (r.violation() != null
                            ? r.violation() : r.livenessFailure()));
                }
            }
        } finally {
            SimulationTest.REPDB_LOGGER.setLevel(level);
            Simulation.deleteTree(base);
        }
        Collections.sort(failovers);
        if (failovers.isEmpty()) {
            System.out.println("FAILOVER no failover happened");
            return;
        }
        System.out.printf("FAILOVER seeds=%d failovers=%d failed-seeds=%d median=%d ms p90=%d ms p99=%d ms max=%d ms "
                        + "(defaults: heartbeat 100 ms, master timeout 1250 ms, election timeout 300 ms)%n", seeds,
                failovers.size(), failed, ms(failovers, 50), ms(failovers, 90), ms(failovers, 99),
                failovers.get(failovers.size() - 1) / 1_000_000);
    }

    private static long ms(List<Long> sorted, int percentile) {
        int index = (int) Math.min(sorted.size() - 1, (long) sorted.size() * percentile / 100);
        return sorted.get(index) / 1_000_000;
    }
}
