package dev.repdb.jms;

import dev.repdb.minigroup.ElectionTests;

class ElectionTestsWithJms extends ElectionTests<MiniGroupWithJms> implements MiniGroupWithJms.FactoryGet {
}
