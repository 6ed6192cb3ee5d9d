package dev.repdb.jms;

import dev.repdb.minigroup.RetentionTests;

class RetentionTestsWithJms extends RetentionTests<MiniGroupWithJms> implements MiniGroupWithJms.FactoryGet {
}
