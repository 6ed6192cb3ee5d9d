package dev.repdb.sim;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The simulation of the elections issue: the same groups, faults and invariants as {@link SimulationTest}, but no
 * appointed master: every site runs the reference pages' reactions ({@link dev.repdb.rep.Reactions}: DUPMASTER,
 * HOLDELECTION, elected, lost master) and elects its masters, with master leases in a third of the seeds. Adds the
 * invariants of elections (at most one master per generation; no acknowledged commit lost across a failover; the
 * group converges after the faults stop) and prints the failover times in virtual time. Same properties as
 * {@link SimulationTest}; replay a seed with {@code -Dtest=ElectionSimulationTest -Drepdb.sim.seed=S
 * -Drepdb.sim.seeds=1}.
 */
@Tag("simulation")
class ElectionSimulationTest {

    @Test
    void seeds() throws Exception {
        SimulationTest.runSeeds(true, 20260601L);
    }
}
