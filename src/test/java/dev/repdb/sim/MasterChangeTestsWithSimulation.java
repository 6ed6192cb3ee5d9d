package dev.repdb.sim;

import dev.repdb.minigroup.MasterChangeTests;

class MasterChangeTestsWithSimulation extends MasterChangeTests<MiniGroupWithSimulation>
        implements MiniGroupWithSimulation.FactoryGet {
}
