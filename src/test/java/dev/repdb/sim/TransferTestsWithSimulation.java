package dev.repdb.sim;

import dev.repdb.minigroup.TransferTests;

class TransferTestsWithSimulation extends TransferTests<MiniGroupWithSimulation> implements MiniGroupWithSimulation.FactoryGet {
}
