package dev.repdb.sim;

import dev.repdb.minigroup.SyncTests;

class SyncTestsWithSimulation extends SyncTests<MiniGroupWithSimulation> implements MiniGroupWithSimulation.FactoryGet {
}
