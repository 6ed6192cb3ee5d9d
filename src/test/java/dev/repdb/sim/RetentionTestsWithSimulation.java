package dev.repdb.sim;

import dev.repdb.minigroup.RetentionTests;

class RetentionTestsWithSimulation extends RetentionTests<MiniGroupWithSimulation>
        implements MiniGroupWithSimulation.FactoryGet {

    @Override
    protected long now(MiniGroupWithSimulation group) {
        return group.now();
    }
}
