package dev.repdb.sim;

import dev.repdb.minigroup.ElectionTests;

class ElectionTestsWithSimulation extends ElectionTests<MiniGroupWithSimulation> implements MiniGroupWithSimulation.FactoryGet {
}
