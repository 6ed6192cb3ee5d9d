package dev.repdb.jms;

import dev.repdb.minigroup.ReplicationStreamTests;

class ReplicationStreamTestsWithJms extends ReplicationStreamTests<MiniGroupWithJms>
        implements MiniGroupWithJms.FactoryGet {
}
