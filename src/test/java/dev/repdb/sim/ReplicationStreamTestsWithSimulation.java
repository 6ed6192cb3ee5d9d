package dev.repdb.sim;

import dev.repdb.minigroup.ReplicationStreamTests;

class ReplicationStreamTestsWithSimulation extends ReplicationStreamTests<MiniGroupWithSimulation>
        implements MiniGroupWithSimulation.FactoryGet {
}
