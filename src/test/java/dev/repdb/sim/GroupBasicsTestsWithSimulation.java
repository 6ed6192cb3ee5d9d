package dev.repdb.sim;

import dev.repdb.minigroup.GroupBasicsTests;

class GroupBasicsTestsWithSimulation extends GroupBasicsTests<MiniGroupWithSimulation> implements MiniGroupWithSimulation.FactoryGet {
}
