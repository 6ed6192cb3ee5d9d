package dev.repdb.jms;

import dev.repdb.minigroup.MasterChangeTests;

class MasterChangeTestsWithJms extends MasterChangeTests<MiniGroupWithJms> implements MiniGroupWithJms.FactoryGet {
}
