package dev.repdb.jms;

import dev.repdb.minigroup.SyncTests;

class SyncTestsWithJms extends SyncTests<MiniGroupWithJms> implements MiniGroupWithJms.FactoryGet {
}
